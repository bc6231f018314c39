package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;

/**
 * {@code berth wait CONTAINER...}: blocks until each container has exited and prints its exit code; an
 * exit code the engine could not observe prints as -1 with the reason on standard error.
 */
final class WaitCommand extends EachContainerCommand {
    WaitCommand() {
        super("wait", "CONTAINER...", "wait for containers to exit and print their exit codes",
                "Block until each container has exited, then print its exit code.", List.of());
    }

    @Override
    String apply(String container, String query, CliContext context)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        JsonNode exit = context.client().postJson(ContainerPaths.of(container, "wait"), Json.object());
        int code = exit.path("exitCode").asInt(-1);
        if (code < 0 && exit.path("reason").isTextual()) {
            context.err().println("berth wait: " + container + ": " + exit.path("reason").asText());
        }
        return Integer.toString(code);
    }
}
