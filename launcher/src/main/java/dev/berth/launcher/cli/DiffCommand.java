package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * {@code berth diff CONTAINER}: what the container changed in its read-write layer against its image, one
 * {@code A|C|D PATH} line per change ({@code GET .../changes}); a read, so nothing is logged.
 */
final class DiffCommand extends ContainerCommand {
    DiffCommand() {
        super("diff", "CONTAINER", "show the files a container added, changed or deleted",
                "List what CONTAINER changed against its image: A added, C changed, D deleted.\n"
                        + "The mount stage reads the container's read-write layer (with overlayfs, its upper\n"
                        + "directory, where a deletion is a 0:0 character device).",
                List.of(Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().size() != 1) {
            throw usageError("expected one CONTAINER, got " + args.positionals().size());
        }
        boolean json = json(args);
        JsonNode answer = context.client().getJson(ContainerPaths.of(args.positionals().get(0), "changes"));
        if (json) {
            context.out().println(answer.path("changes"));
            return 0;
        }
        for (JsonNode change : answer.path("changes")) {
            context.out().println(change.path("kind").asText() + " " + change.path("path").asText());
        }
        return 0;
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
