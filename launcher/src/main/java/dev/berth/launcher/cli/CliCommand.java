package dev.berth.launcher.cli;

import dev.berth.launcher.OptionParser;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;

/** One client command of {@code berth}: its name, help and what it does with the daemon. */
interface CliCommand {

    /** The command word, e.g. {@code events}. */
    String name();

    /** One line for the command list of {@code berth --help}. */
    String summary();

    /** The parser of the command's options, which also carries its usage text. */
    OptionParser parser();

    /**
     * Runs the command with parsed arguments.
     *
     * @return the exit code
     */
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException;
}
