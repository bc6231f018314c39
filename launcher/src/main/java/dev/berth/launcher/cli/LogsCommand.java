package dev.berth.launcher.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.ExitCodes;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code berth logs [-f] [--since T] [--tail N] [-t] CONTAINER}: a container's output from
 * {@code GET /v1/containers/{id}/logs} (NDJSON of {@code {"time","stream","log"}}), each entry's text on
 * standard output or standard error as it was written, optionally after its time. With {@code -f} it
 * goes on until the container stops.
 */
final class LogsCommand extends ContainerCommand {
    private static final Option FOLLOW = Option.flag("follow", "f", "keep printing new output until the container stops");
    private static final Option SINCE = Option.value("since", null, "T",
            "output at or after T: RFC 3339 time, Unix seconds, or a duration ago (10m, 2h)");
    private static final Option TAIL = Option.value("tail", "n", "N", "only the last N entries (default: all)");
    private static final Option TIMESTAMPS = Option.flag("timestamps", "t", "put each entry's time before it");

    LogsCommand() {
        super("logs", "[-f] [--since T] [--tail N] [-t] CONTAINER", "show a container's output",
                "Show what CONTAINER wrote to standard output and standard error, on the same streams.",
                List.of(FOLLOW, SINCE, TAIL, TIMESTAMPS));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().size() != 1) {
            throw usageError("expected one CONTAINER, got " + args.positionals().size());
        }
        String target = target(args.positionals().get(0), args);
        boolean timestamps = args.has("timestamps");
        try (HttpResponse response = context.client().get(target)) {
            String line;
            while ((line = response.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode entry;
                try {
                    entry = Json.parse(line);
                } catch (JsonProcessingException e) {
                    continue;   // a damaged line in the log file: skip it, as docker does
                }
                if (entry.has("error") && !entry.has("log")) {
                    context.out().flush();
                    context.err().println("berth logs: " + entry.path("error").asText());
                    return ExitCodes.ERROR;
                }
                PrintStream stream = "stderr".equals(entry.path("stream").asText()) ? context.err() : context.out();
                if (timestamps) {
                    stream.print(entry.path("time").asText("") + " ");
                }
                stream.print(entry.path("log").asText(""));
                stream.flush();
                if (context.out().checkError()) {
                    break;   // the reader went away (berth logs -f | head)
                }
            }
        }
        return 0;
    }

    /** The request target for the container and options. */
    String target(String container, ParsedArguments args) throws UsageException {
        StringBuilder query = new StringBuilder();
        if (args.has("follow")) {
            query.append("&follow=1");
        }
        if (args.value("since").isPresent()) {
            query.append("&since=").append(ContainerPaths.encode(args.value("since").get()));
        }
        if (args.value("tail").isPresent()) {
            String tail = args.value("tail").get();
            if (!tail.equals("all") && !tail.matches("[0-9]{1,9}")) {
                throw usageError("--tail " + tail + ": not a number of lines or \"all\"");
            }
            query.append("&tail=").append(tail);
        }
        String path = ContainerPaths.of(container, "logs");
        return query.length() == 0 ? path : path + "?" + query.substring(1);
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
