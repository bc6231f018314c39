package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code berth ps}: the containers from {@code GET /v1/containers} as Docker's table (running ones unless
 * {@code -a}), their ids only ({@code -q}), one JSON object per line ({@code --format json}), or with
 * {@code --ns} the process id and namespace inodes as {@code podman ps --ns} shows them.
 */
final class PsCommand extends ContainerCommand {
    private static final Option ALL = Option.flag("all", "a", "show every container (default: running ones)");
    private static final Option QUIET = Option.flag("quiet", "q", "print container ids only");
    private static final Option NS = Option.flag("ns", null, "show the pid and namespace inodes");
    private static final Option NO_TRUNC = Option.flag("no-trunc", null, "do not shorten ids and commands");
    private static final Option FORMAT = Option.value("format", null, "FORMAT", "'json' prints one JSON object per container");
    private static final List<String> NAMESPACES = List.of("cgroup", "ipc", "mnt", "net", "pid", "user", "uts");
    private static final int COMMAND_WIDTH = 20;

    PsCommand() {
        super("ps", "[-a] [-q] [--ns] [--no-trunc] [--at T] [--format json]", "list containers",
                "List the running containers (all of them with -a); with --at, as they were at T.",
                List.of(ALL, QUIET, NS, NO_TRUNC, PointInTime.OPTION, FORMAT));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        noArguments(args);
        boolean json = json(args);
        boolean ns = args.has("ns");
        String query = (args.has("all") ? "?all=1" : "") + (ns ? (args.has("all") ? "&" : "?") + "ns=1" : "");
        Optional<String> at = PointInTime.of(args);
        if (at.isPresent() && ns) {
            throw usageError("--ns shows live namespaces; it cannot be combined with --at");
        }
        JsonNode answer = at.isPresent()
                ? PointInTime.ask(context, "ps", at.get(), args.has("all") ? "&all=1" : "")
                : context.client().getJson("/v1/containers" + query);
        Instant now = at.isPresent() ? PointInTime.moment(answer) : Instant.now();
        PrintStream out = context.out();
        boolean trunc = !args.has("no-trunc");
        if (json) {
            for (JsonNode container : answer.path("containers")) {
                out.println(Json.text(container));
            }
        } else if (args.has("quiet")) {
            for (JsonNode container : answer.path("containers")) {
                out.println(shortId(container.path("id").asText(), trunc));
            }
        } else {
            table(answer, ns, trunc, now).print(out);
        }
        return 0;
    }

    /** The table for an answer of {@code GET /v1/containers}, times relative to {@code now}. */
    static TextTable table(JsonNode answer, boolean ns, boolean trunc, Instant now) {
        List<String> header = new ArrayList<>(List.of("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES"));
        if (ns) {
            header.addAll(List.of("PID", "CGROUPNS", "IPC", "MNT", "NET", "PIDNS", "USERNS", "UTS"));
        }
        TextTable table = new TextTable(header.toArray(String[]::new));
        for (JsonNode c : answer.path("containers")) {
            List<String> row = new ArrayList<>(List.of(shortId(c.path("id").asText(), trunc), c.path("image").asText(""),
                    command(c.path("command"), trunc), ContainerTimes.ago(c.path("created"), now),
                    ContainerTimes.status(c, now), c.path("name").asText("")));
            if (ns) {
                JsonNode namespaces = c.path("namespaces");
                int pid = c.path("pid").asInt(0);
                row.add(pid > 0 ? Integer.toString(pid) : "-");
                for (String kind : NAMESPACES) {
                    JsonNode inode = namespaces.path(kind);
                    row.add(inode.isMissingNode() || inode.isNull() ? "-" : inode.asText());
                }
            }
            table.add(row.toArray(String[]::new));
        }
        return table;
    }

    static String shortId(String id, boolean trunc) {
        return trunc && id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** The COMMAND column: the words joined by spaces, cut to 20 characters with an ellipsis, quoted. */
    static String command(JsonNode words, boolean trunc) {
        List<String> parts = new ArrayList<>();
        words.forEach(word -> parts.add(word.asText()));
        String command = String.join(" ", parts);
        if (trunc && command.codePointCount(0, command.length()) > COMMAND_WIDTH) {
            command = command.substring(0, command.offsetByCodePoints(0, COMMAND_WIDTH - 1)) + "…";
        }
        return quote(command);
    }

    /** Double-quoted with backslash escapes for quotes, backslashes and control characters. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                case '\r' -> quoted.append("\\r");
                default -> {
                    if (Character.isISOControl(c)) {
                        quoted.append(String.format("\\x%02x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
