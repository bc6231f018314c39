package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/** {@code berth tag SOURCE TARGET}: points another name at a stored image with {@code POST /v1/images/tag}. */
final class TagCommand extends CliCommand {

    TagCommand() {
        super("tag", "SOURCE TARGET", "give a stored image another name",
                "Point TARGET (a name with an optional tag) at the image SOURCE names (a name or digest).",
                List.of());
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().size() != 2) {
            throw usageError("expected SOURCE and TARGET, got " + args.positionals().size() + " arguments");
        }
        ObjectNode body = Json.object().put("source", args.positionals().get(0))
                .put("target", args.positionals().get(1));
        JsonNode answer = context.client().postJson("/v1/images/tag", body);
        context.out().println(answer.path("reference").asText());
        return 0;
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
