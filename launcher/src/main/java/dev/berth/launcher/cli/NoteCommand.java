package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * {@code berth note MESSAGE}: appends an operator note to the event log with {@code POST /v1/notes} and prints
 * the sequence number the daemon acknowledged (the note is durable once that number is printed).
 */
final class NoteCommand extends CliCommand {

    private static final Option SUBJECT = Option.value("subject", "s", "S", "subject of the note event (default: note)");

    NoteCommand() {
        super("note", "[--subject S] MESSAGE", "append an operator note to the event log",
                "Append an operator note to the audit event log and print its sequence number.", List.of(SUBJECT));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        List<String> positionals = args.positionals();
        if (positionals.isEmpty()) {
            throw usageError("missing MESSAGE");
        }
        if (positionals.size() > 1) {
            throw usageError("expected one MESSAGE, got " + positionals.size()
                    + " arguments (quote a message with spaces)");
        }
        String message = positionals.get(0);
        if (message.isBlank()) {
            throw usageError("MESSAGE must not be empty");
        }
        ObjectNode body = Json.object();
        body.put("message", message);
        if (args.value("subject").isPresent()) {
            String subject = args.value("subject").get();
            if (subject.isBlank()) {
                throw usageError("--subject must not be empty");
            }
            body.put("subject", subject);
        }
        JsonNode answer = context.client().postJson("/v1/notes", body);
        JsonNode sequence = answer.path("sequence");
        if (!sequence.canConvertToLong()) {
            throw new UnreadableAnswerException("no sequence number in the answer " + answer);
        }
        context.out().println(sequence.asLong());
        return 0;
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
