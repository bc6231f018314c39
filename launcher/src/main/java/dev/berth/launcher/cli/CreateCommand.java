package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;

/**
 * {@code berth create [OPTIONS] IMAGE [CMD...]}: creates a container without starting it (pulling the
 * image when it is not stored) and prints its id. Takes run's options except {@code -d}.
 */
final class CreateCommand extends CommandLineCommand {
    CreateCommand() {
        super("create", "[OPTIONS] IMAGE [COMMAND [ARG...]]", "create a container without starting it",
                "Create a container from IMAGE and print its id; start it with 'berth start'. Options end at IMAGE.",
                RunArguments.OPTIONS);
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        ObjectNode body = createBody(args, context);
        try {
            context.out().println(ContainerCreator.create(context, body).path("id").asText());
            return 0;
        } catch (ContainerCreator.PullFailedException e) {
            return dev.berth.launcher.ExitCodes.ERROR;
        }
    }

    /** Not with standard input, a terminal, an {@code --env-file} or a seccomp profile file: those are the caller's. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return !RunArguments.needsCaller(args);
    }
}
