package dev.berth.launcher.cli;

import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import java.io.IOException;
import java.util.List;

/** {@code berth rm [-f] CONTAINER...}: removes containers, with {@code -f} running ones too; prints each as given. */
final class RmCommand extends EachContainerCommand {
    private static final Option FORCE = Option.flag("force", "f", "kill and remove running containers");

    RmCommand() {
        super("rm", "[-f] CONTAINER...", "remove containers",
                "Remove each container with its read-write layer and state; running ones need -f.", List.of(FORCE));
    }

    @Override
    String query(ParsedArguments args) {
        return args.has("force") ? "?force=1" : "";
    }

    @Override
    String apply(String container, String query, CliContext context)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        context.client().delete(ContainerPaths.of(container, "") + query);
        return container;
    }
}
