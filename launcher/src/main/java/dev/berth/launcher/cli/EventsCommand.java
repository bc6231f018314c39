package dev.berth.launcher.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.ExitCodes;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;

/**
 * {@code berth events}: streams the event log from {@code GET /v1/events} (chunked NDJSON) and prints each
 * event as soon as its line arrives. With {@code --follow} it keeps printing new events until interrupted.
 */
final class EventsCommand extends CliCommand {

    private static final Option SINCE = Option.value("since", null, "T",
            "events at or after T: RFC 3339 time or a duration ago (10m, 2h, 30s)");
    private static final Option UNTIL = Option.value("until", null, "T", "events before T (same forms as --since)");
    private static final Option FILTER = Option.repeated("filter", null, "K=V",
            "only events with type=X or subject=Y; repeat to allow several");
    private static final Option FOLLOW = Option.flag("follow", "f", "keep streaming new events (Ctrl-C stops)");
    private static final List<Option> OPTIONS = List.of(SINCE, UNTIL, FILTER, FOLLOW, Formats.OPTION);

    EventsCommand() {
        super("events", "[--since T] [--until T] [--filter type=X]... [--filter subject=Y]... [-f] [--format json]",
                "show the audit event log, optionally following it",
                """
                Show the audit event log, one event per line: time, #sequence, type, subject, payload.
                With --format json each line is the event envelope as stored, including its chain hashes.""",
                OPTIONS);
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        noArguments(args);
        boolean json = json(args);
        String target = target(args, this);
        PrintStream out = context.out();
        try (HttpResponse response = context.client().get(target)) {
            String line;
            while ((line = response.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String failure = streamError(line, context);
                if (failure != null) {
                    // The daemon ends a stream it cannot continue with one {"error": ...} line.
                    out.flush();
                    context.err().println("berth events: " + failure);
                    return ExitCodes.ERROR;
                }
                out.println(json ? line : format(line, context));
                out.flush();
                if (out.checkError()) {
                    break;   // The reader went away (berth events -f | head): stop following.
                }
            }
        }
        return 0;
    }

    /** The request target for the parsed options, e.g. {@code /v1/events?since=10m&type=a&follow=true}. */
    static String target(ParsedArguments args, CliCommand command) throws UsageException {
        StringBuilder query = new StringBuilder();
        args.value("since").ifPresent(value -> append(query, "since", value));
        args.value("until").ifPresent(value -> append(query, "until", value));
        for (String filter : args.values("filter")) {
            int eq = filter.indexOf('=');
            String key = eq < 0 ? "" : filter.substring(0, eq);
            String value = eq < 0 ? "" : filter.substring(eq + 1);
            if (!(key.equals("type") || key.equals("subject")) || value.isEmpty()) {
                throw command.usageError("bad --filter '" + filter + "': expected type=X or subject=Y");
            }
            append(query, key, value);
        }
        if (args.has("follow")) {
            append(query, "follow", "true");
        }
        return query.length() == 0 ? "/v1/events" : "/v1/events?" + query;
    }

    private static void append(StringBuilder query, String key, String value) {
        if (query.length() > 0) {
            query.append('&');
        }
        query.append(key).append('=').append(ContainerPaths.encode(value));
    }

    /** The message of an {@code {"error": ...}} line that ends a stream, or null for an event line. */
    static String streamError(String line, CliContext context) {
        if (!line.startsWith("{\"error\"")) {
            return null;
        }
        try {
            JsonNode node = Json.parse(line);
            return node.path("sequence").isMissingNode() ? node.path("error").asText() : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** One event envelope as {@code time #sequence type subject payload}; a line that is not JSON is kept as is. */
    static String format(String line, CliContext context) {
        JsonNode event;
        try {
            event = Json.parse(line);
        } catch (JsonProcessingException e) {
            return line;
        }
        if (event == null || !event.isObject()) {
            return line;
        }
        StringBuilder text = new StringBuilder();
        JsonNode time = event.path("time");
        if (time.isTextual()) {
            text.append(time.asText());
        } else if (event.path("timeNanos").canConvertToLong()) {
            text.append(Instant.ofEpochSecond(0, event.path("timeNanos").asLong()));
        } else {
            text.append('-');
        }
        text.append(" #").append(event.path("sequence").asText("?"));
        text.append(' ').append(event.path("type").asText("?"));
        text.append(' ').append(event.path("subject").asText("-"));
        JsonNode payload = event.path("payload");
        if (!payload.isMissingNode() && !payload.isNull()) {
            text.append(' ').append(Json.text(payload));
        }
        return text.toString();
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
