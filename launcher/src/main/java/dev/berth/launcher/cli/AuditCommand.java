package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code berth audit verify [--from SEQ]}: has the daemon check every record's CRCs and the hash chain of
 * its event log, and names the first record that does not match. Exit status 0: intact; 1: damaged.
 */
final class AuditCommand extends CliCommand {
    private static final Option FROM = Option.value("from", null, "SEQ", "verify: start at this sequence (default 1)");

    AuditCommand() {
        super("audit", "verify [--from SEQ] [--format json]", "check the event log's CRCs and hash chain", """
                verify    check every record from SEQ (default 1) to the head straight from the log's files:
                          framing, CRCs, sequence continuity and the SHA-256 chain. Prints the verified
                          range and the chain head (note it elsewhere to compare later), or the first
                          record that fails, with its segment file and offset. Exit status 0 when the
                          log is intact, 1 when it is not.""", List.of(FROM, Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        List<String> words = args.positionals();
        if (words.size() != 1 || !words.get(0).equals("verify")) {
            throw usageError(words.isEmpty() ? "missing subcommand (verify)"
                    : "unknown subcommand '" + String.join(" ", words) + "' (verify)");
        }
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
        PrintStream out = context.out();
        if (json) {
            out.println(Json.text(answer));
        } else if (answer.path("intact").asBoolean()) {
            long first = answer.path("fromSequence").asLong();
            long through = answer.path("verifiedThrough").asLong();
            out.println(through < first ? "event log intact: nothing to check from #" + first + " (head #"
                    + answer.path("head").asLong() + ")"
                    : "event log intact: records #" + first + " to #" + through + " verified (CRCs and hash chain)");
            if (answer.hasNonNull("headHash")) {
                out.println("chain head: #" + answer.path("head").asLong() + " " + answer.path("headHash").asText());
            }
        } else {
            JsonNode damage = answer.path("damage");
            context.err().println("event log damaged: record #" + damage.path("sequence").asLong() + " in "
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
}
