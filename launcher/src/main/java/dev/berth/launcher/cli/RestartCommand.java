package dev.berth.launcher.cli;

import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/** {@code berth restart [-t SECONDS] CONTAINER...}: stops (as {@code berth stop}) and starts each container again. */
final class RestartCommand extends EachContainerCommand {
    RestartCommand() {
        super("restart", "[-t SECONDS] CONTAINER...", "restart containers",
                "Stop each container (SIGTERM, then SIGKILL after the grace period) and start it again.",
                List.of(StopCommand.TIME));
    }

    @Override
    String query(ParsedArguments args) throws UsageException {
        return seconds(args);
    }

    @Override
    String apply(String container, String query, CliContext context)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        context.client().postJson(ContainerPaths.of(container, "restart") + query, Json.object());
        return container;
    }
}
