package dev.berth.launcher.cli;

import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * {@code berth start [-a] [-i] CONTAINER...}: starts created or stopped containers and prints each as
 * given; with {@code -a} (or {@code -i}) it attaches to one container first, stays with it and exits with
 * its exit code.
 */
final class StartCommand extends EachContainerCommand {
    private static final Option ATTACH = Option.flag("attach", "a", "attach to the output and exit with the exit code");
    private static final Option INTERACTIVE = Option.flag("interactive", "i", "attach and forward standard input");

    StartCommand() {
        super("start", "[-a] [-i] CONTAINER...", "start containers",
                "Start each container; with -a or -i attach to one and exit with its exit code.",
                List.of(ATTACH, INTERACTIVE));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (!args.has("attach") && !args.has("interactive")) {
            return super.run(args, context);
        }
        if (args.positionals().size() != 1) {
            throw usageError("-a and -i attach to exactly one container, got " + args.positionals().size());
        }
        return ContainerAttach.run(context, args.positionals().get(0), true, args.has("interactive"), "start");
    }

    @Override
    String apply(String container, String query, CliContext context)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        context.client().postJson(ContainerPaths.of(container, "start"), Json.object());
        return container;
    }

    /** Only a plain start: an attached one may need the caller's terminal or standard input. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return !args.has("attach") && !args.has("interactive");
    }
}
