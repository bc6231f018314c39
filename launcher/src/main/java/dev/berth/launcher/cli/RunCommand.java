package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code berth run [OPTIONS] IMAGE [CMD...]}: creates a container (pulling the image when it is not
 * stored), then either starts it and prints its id ({@code -d}) or attaches, starts and stays with it
 * until it ends, exiting with its exit code. Options end at IMAGE; everything after it is the command.
 * Like Docker, a failure of the engine exits 125, and 127 when the command is not in the image.
 */
final class RunCommand extends CommandLineCommand {
    static final Option DETACH = Option.flag("detach", "d", "start in the background and print the container id");
    /** Docker's exit code when the command is not found in the image. */
    static final int COMMAND_NOT_FOUND = 127;

    RunCommand() {
        super("run", "[OPTIONS] IMAGE [COMMAND [ARG...]]", "create and run a container", """
                Create a container from IMAGE and run COMMAND (default: the image's) in it. Options end at IMAGE.
                Without -d the output is shown and berth exits with the container's exit code; 125 means the
                engine failed, 127 that the command was not found in the image.""", options());
    }

    private static List<Option> options() {
        List<Option> options = new ArrayList<>();
        options.add(DETACH);
        options.addAll(RunArguments.OPTIONS);
        return options;
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        ObjectNode body = createBody(args, context);
        boolean detach = args.has("detach");
        String id;
        try {
            JsonNode created = ContainerCreator.create(context, body);
            id = created.path("id").asText();
        } catch (ContainerCreator.PullFailedException e) {
            return ContainerAttach.ENGINE_FAILURE;
        } catch (DaemonErrorException e) {
            return failed(context, e);
        }
        try {
            if (detach) {
                context.client().postJson(ContainerPaths.of(id, "start"), Json.object());
                context.out().println(id);
                return 0;
            }
            return ContainerAttach.run(context, id, true, args.has("interactive"), "run");
        } catch (DaemonErrorException e) {
            removeIfAsked(args, context, id, true);
            return failed(context, e);
        } catch (IOException | DaemonUnreachableException | RuntimeException e) {
            // The attach socket refused, or the session broke off: a --rm container that never started is not
            // left behind; one that runs is not killed for it (the engine removes it when it ends).
            removeIfAsked(args, context, id, false);
            throw e;
        }
    }

    private static void removeIfAsked(ParsedArguments args, CliContext context, String id, boolean force) {
        if (args.has("rm")) {
            removeQuietly(context, id, force);
        }
    }

    /** Prints a daemon error as Docker does for run and picks its exit code. */
    private static int failed(CliContext context, DaemonErrorException e) {
        context.out().flush();
        context.err().println("berth run: " + e.getMessage());
        return exitCode(e.getMessage());
    }

    /** 127 when the engine says the command is not in the image, else 125. */
    static int exitCode(String message) {
        return message != null && message.contains("executable file not found") ? COMMAND_NOT_FOUND
                : ContainerAttach.ENGINE_FAILURE;
    }

    /** Removes a --rm container after a failed start; {@code force} also when it runs. */
    private static void removeQuietly(CliContext context, String id, boolean force) {
        try {
            context.client().delete(ContainerPaths.of(id, "") + (force ? "?force=1" : ""));
        } catch (IOException | DaemonUnreachableException | DaemonErrorException e) {
            // The start failure is what gets reported.
        }
    }

    /** Not with standard input, a terminal, an {@code --env-file} or a seccomp profile file: those are the caller's. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return !RunArguments.needsCaller(args);
    }
}
