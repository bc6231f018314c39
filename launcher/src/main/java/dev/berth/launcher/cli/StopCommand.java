package dev.berth.launcher.cli;

import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * {@code berth stop [-t SECONDS] CONTAINER...}: sends SIGTERM, then SIGKILL after the grace period, with
 * {@code POST /v1/containers/{id}/stop}; prints each container as given.
 */
final class StopCommand extends EachContainerCommand {
    static final Option TIME = Option.value("time", "t", "SECONDS", "seconds to wait before killing (default 10)");

    StopCommand() {
        super("stop", "[-t SECONDS] CONTAINER...", "stop running containers",
                "Stop each container: SIGTERM, then SIGKILL when it has not exited after the grace period.",
                List.of(TIME));
    }

    @Override
    String query(ParsedArguments args) throws UsageException {
        return seconds(args);
    }

    @Override
    String apply(String container, String query, CliContext context)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        context.client().postJson(ContainerPaths.of(container, "stop") + query, Json.object());
        return container;
    }
}
