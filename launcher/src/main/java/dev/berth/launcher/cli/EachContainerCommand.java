package dev.berth.launcher.cli;

import dev.berth.launcher.ExitCodes;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * A command that does one thing to each of its {@code CONTAINER...} arguments in order, printing a line
 * per success; a daemon error is reported and the others are still done, and the command then exits
 * {@link ExitCodes#ERROR}, as {@code docker stop a b} does. Immutable and thread-safe.
 */
abstract class EachContainerCommand extends ContainerCommand {
    EachContainerCommand(String name, String synopsis, String summary, String description, List<Option> options) {
        super(name, synopsis, summary, description, options);
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().isEmpty()) {
            throw usageError("missing CONTAINER");
        }
        String query = query(args);
        int code = ExitCodes.OK;
        for (String container : args.positionals()) {
            try {
                String line = apply(container, query, context);
                if (line != null) {
                    context.out().println(line);
                    context.out().flush();
                }
            } catch (DaemonErrorException e) {
                context.out().flush();
                context.err().println("berth " + name() + ": " + e.getMessage());
                code = ExitCodes.ERROR;
            }
        }
        return code;
    }

    /** The query string for every request ({@code ?t=5}), empty for none; checks the options. */
    String query(ParsedArguments args) throws UsageException {
        return "";
    }

    /** Does the command to one container; returns the line to print, or null. */
    abstract String apply(String container, String query, CliContext context)
            throws IOException, DaemonUnreachableException, DaemonErrorException;

    /** A {@code -t SECONDS} value as a query, or empty when not given. */
    final String seconds(ParsedArguments args) throws UsageException {
        if (args.value("time").isEmpty()) {
            return "";
        }
        String value = args.value("time").get();
        try {
            if (Integer.parseInt(value) >= 0) {
                return "?t=" + Integer.parseInt(value);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw usageError("-t " + value + ": not a number of seconds");
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
