package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code berth audit verify|export|replay|archive}: the audit tools over the daemon's event log. {@code verify}
 * checks every record's CRCs and the hash chain and names the first record that does not match (exit 1 when
 * damaged); with {@code --file} it checks an exported file right here, no daemon needed. {@code export}
 * writes a self-contained, verifiable file of a range of records; {@code replay} rebuilds every projection
 * from nothing and compares it with the live state; {@code archive} compresses old segments out of the live
 * log while keeping the chain whole.
 */
final class AuditCommand extends CliCommand {
    private static final Option FROM = Option.value("from", null, "SEQ", "verify: start at this sequence (default 1)");
    private static final Option FILE = Option.value("file", null, "FILE", "verify: check this exported file, offline");
    private static final Option SINCE = Option.value("since", null, "T",
            "export: the first record (sequence, RFC 3339 time, duration ago or @UNIX-SECONDS; default the first)");
    private static final Option UNTIL = Option.value("until", null, "T",
            "export: the last record (a sequence, inclusive) or records before a time (default the head)");
    private static final Option OUTPUT = Option.value("output", "o", "FILE", "export: the file to write (must not exist)");
    private static final Option BEFORE = Option.value("before", null, "T",
            "archive: move whole segments whose records all come before T (sequence or time)");

    AuditCommand() {
        super("audit", "verify [--from SEQ | --file FILE] | export [--since T] [--until T] -o FILE | replay | archive --before T",
                "verify, export, replay and archive the event log", """
                verify    check every record from SEQ (default 1) to the head straight from the log's files:
                          framing, CRCs, sequence continuity and the SHA-256 chain, archived segments
                          included. Prints the verified range and the chain head (note it elsewhere to
                          compare later), or the first record that fails, with its file and offset.
                          --file FILE checks an exported file instead, here, without a daemon.
                          Exit status 0 when intact, 1 when not.
                export    write the records from --since to --until, with the chain anchor before them,
                          to a self-contained file anyone can check with 'berth audit verify --file'.
                replay    rebuild every projection (containers, images, plugins) from an empty state by
                          replaying the whole log, compare it with the live state and say how long it took.
                          Exit status 1 when they differ.
                archive   compress whole segments older than --before into the log's archive folder; the
                          records stay readable (history, replay) and the chain still verifies across.""",
                List.of(FROM, FILE, SINCE, UNTIL, OUTPUT, BEFORE, Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        List<String> words = args.positionals();
        String sub = words.size() == 1 ? words.get(0) : "";
        return switch (sub) {
            case "verify" -> args.value("file").isPresent() ? verifyFile(args, context) : verify(args, context);
            case "export" -> export(args, context);
            case "replay" -> replay(args, context);
            case "archive" -> archive(args, context);
            default -> throw usageError(words.isEmpty() ? "missing subcommand (verify, export, replay, archive)"
                    : "unknown subcommand '" + String.join(" ", words) + "' (verify, export, replay, archive)");
        };
    }

    private int verify(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        boolean json = json(args);
        long from = 1;
        if (args.value("from").isPresent()) {
            String text = args.value("from").get();
            try {
                from = Long.parseLong(text);
            } catch (NumberFormatException e) {
                from = 0;
            }
            if (from < 1) {
                throw usageError("--from needs a sequence number (1 or more), got '" + text + "'");
            }
        }
        JsonNode answer = context.client().getJson("/v1/audit/verify?from=" + from);
        return report(answer, json, "event log", context);
    }

    private int verifyFile(ParsedArguments args, CliContext context) throws UsageException, IOException {
        if (args.value("from").isPresent()) {
            throw usageError("--from and --file do not go together: a file is checked whole");
        }
        Path file = Path.of(args.value("file").get()).toAbsolutePath();
        JsonNode answer = ExportVerifier.verify(file);
        return report(answer, json(args), "export " + file, context);
    }

    /** Prints a verification answer and returns the exit status it calls for. */
    private static int report(JsonNode answer, boolean json, String what, CliContext context) {
        PrintStream out = context.out();
        if (json) {
            out.println(Json.text(answer));
        } else if (answer.path("intact").asBoolean()) {
            long first = answer.path("fromSequence").asLong();
            long through = answer.path("verifiedThrough").asLong();
            out.println(through < first ? what + " intact: nothing to check from #" + first + " (head #"
                    + answer.path("head").asLong() + ")"
                    : what + " intact: records #" + first + " to #" + through + " verified (CRCs and hash chain)");
            if (answer.hasNonNull("anchor")) {
                out.println("chain anchor: " + answer.path("anchor").asText() + (first > 1 ? " (the hash of record #"
                        + (first - 1) + ")" : " (genesis: nothing comes before #1)"));
            }
            if (answer.hasNonNull("headHash")) {
                out.println("chain head: #" + answer.path("head").asLong() + " " + answer.path("headHash").asText());
            }
        } else {
            JsonNode damage = answer.path("damage");
            context.err().println(what + " damaged: record #" + damage.path("sequence").asLong() + " in "
                    + damage.path("file").asText() + " at offset " + damage.path("offset").asLong() + ": "
                    + damage.path("problem").asText());
            long through = answer.path("verifiedThrough").asLong();
            if (through >= answer.path("fromSequence").asLong()) {
                context.err().println("records #" + answer.path("fromSequence").asLong() + " to #" + through
                        + " verified before it");
            }
        }
        return answer.path("intact").asBoolean() ? 0 : 1;
    }

    private int export(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        String output = args.value("output").orElseThrow(() -> usageError("export needs -o FILE"));
        Path file = Path.of(output).toAbsolutePath().normalize();
        StringBuilder query = new StringBuilder("/v1/audit/export?file=" + ContainerPaths.encode(file.toString()));
        args.value("since").ifPresent(v -> query.append("&since=").append(ContainerPaths.encode(v)));
        args.value("until").ifPresent(v -> query.append("&until=").append(ContainerPaths.encode(v)));
        JsonNode answer = context.client().postJson(query.toString(), Json.object());
        if (json(args)) {
            context.out().println(Json.text(answer));
        } else {
            context.out().println("exported records #" + answer.path("firstSequence").asLong() + " to #"
                    + answer.path("lastSequence").asLong() + " (" + answer.path("records").asLong() + " records, "
                    + answer.path("bytes").asLong() + " bytes) to " + answer.path("file").asText());
            context.out().println("chain anchor: " + answer.path("anchor").asText());
            context.out().println("chain head: #" + answer.path("lastSequence").asLong() + " "
                    + answer.path("lastHash").asText());
        }
        return 0;
    }

    private int replay(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        JsonNode answer = context.client().postJson("/v1/audit/replay", Json.object());
        boolean matches = answer.path("matches").asBoolean();
        if (json(args)) {
            context.out().println(Json.text(answer));
        } else {
            context.out().println("replayed " + answer.path("records").asLong() + " records (#1 to #"
                    + answer.path("sequence").asLong() + ") in " + answer.path("millis").asLong() + " ms: "
                    + (matches ? "the rebuilt state equals the live state" : "the rebuilt state DIFFERS from the live state"));
            for (JsonNode difference : answer.path("differences")) {
                context.err().println("  " + difference.path("projection").asText() + " differs at "
                        + difference.path("path").asText());
            }
        }
        return matches ? 0 : 1;
    }

    private int archive(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        String before = args.value("before").orElseThrow(() -> usageError("archive needs --before T"));
        JsonNode answer = context.client().postJson("/v1/audit/archive?before=" + ContainerPaths.encode(before),
                Json.object());
        if (json(args)) {
            context.out().println(Json.text(answer));
            return 0;
        }
        JsonNode moved = answer.path("archived");
        context.out().println(moved.isEmpty() ? "nothing to archive: no whole segment ends before " + before
                : "archived " + moved.size() + " segment(s):");
        for (JsonNode segment : moved) {
            context.out().println("  #" + segment.path("firstSequence").asLong() + " to #"
                    + segment.path("lastSequence").asLong() + " (" + segment.path("firstTime").asText() + " to "
                    + segment.path("lastTime").asText() + ") -> " + segment.path("file").asText());
        }
        return 0;
    }
}
