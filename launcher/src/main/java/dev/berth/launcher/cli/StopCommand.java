package dev.berth.launcher.cli;

import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * {@code berth stop [-t SECONDS] CONTAINER...} and {@code berth restart [-t SECONDS] CONTAINER...}: SIGTERM,
 * then SIGKILL after the grace period, with {@code POST /v1/containers/{id}/stop} (or {@code /restart},
 * which then starts the container again); prints each container as given.
 */
final class StopCommand extends EachContainerCommand {
    static final Option TIME = Option.value("time", "t", "SECONDS", "seconds to wait before killing (default 10)");

    private final String operation;

    private StopCommand(String operation, String summary, String description) {
        super(operation, "[-t SECONDS] CONTAINER...", summary, description, List.of(TIME));
        this.operation = operation;
    }

    /** {@code berth stop}. */
    static StopCommand stop() {
        return new StopCommand("stop", "stop running containers",
                "Stop each container: SIGTERM, then SIGKILL when it has not exited after the grace period.");
    }

    /** {@code berth restart}. */
    static StopCommand restart() {
        return new StopCommand("restart", "restart containers",
                "Stop each container (SIGTERM, then SIGKILL after the grace period) and start it again.");
    }

    @Override
    String query(ParsedArguments args) throws UsageException {
        return seconds(args);
    }

    @Override
    String apply(String container, String query, CliContext context)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        context.client().postJson(ContainerPaths.of(container, operation) + query, Json.object());
        return container;
    }
}
