package dev.berth.launcher.cli;

import dev.berth.launcher.Option;
import dev.berth.launcher.OptionParser;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * One client command of {@code berth}: its name, help and what it does with the daemon. Subclasses give
 * the synopsis, description and options once; the usage text and parser are derived from them.
 * Immutable and thread-safe.
 */
abstract class CliCommand {
    private final String name;
    private final String summary;
    private final String usage;
    private final OptionParser parser;
    private final List<Option> options;

    /**
     * @param name        the command word, e.g. {@code events}
     * @param synopsis    what follows {@code berth name} in the usage line
     * @param summary     one line for the command list of {@code berth --help}
     * @param description the paragraph under the usage line
     * @param options     the command's options
     */
    CliCommand(String name, String synopsis, String summary, String description, List<Option> options) {
        this.name = name;
        this.summary = summary;
        this.usage = "Usage: berth " + name + (synopsis.isEmpty() ? "" : " " + synopsis) + "\n\n" + description
                + "\n\nOptions:\n" + OptionParser.describe(options);
        this.parser = new OptionParser("berth " + name, usage, options);
        this.options = List.copyOf(options);
    }

    /** The command word, e.g. {@code events}. */
    final String name() {
        return name;
    }

    /** One line for the command list of {@code berth --help}. */
    final String summary() {
        return summary;
    }

    /** The usage text shown by {@code berth name --help} and after usage errors. */
    final String usage() {
        return usage;
    }

    /** The parser of the command's options, which also carries its usage text. */
    final OptionParser parser() {
        return parser;
    }

    /**
     * Parses the command's arguments. Commands that take Docker's option forms ({@link #dockerStyle()})
     * get combined short flags ({@code -it}, {@code -eK=V}) split first, and with
     * {@link #optionsEndAtFirstArgument()} everything from the first positional on is an argument.
     */
    final ParsedArguments parse(List<String> args) throws UsageException {
        if (!dockerStyle()) {
            return parser.parse(args);
        }
        return parser.parse(ArgumentSplit.normalize(args, options, optionsEndAtFirstArgument()));
    }

    /**
     * Whether the daemon may run this invocation for the native client {@code bin/berth} ({@link Cli#serve}):
     * only when it reads no local file and no standard input and needs no raw terminal, because there it runs
     * in the daemon's process, not the caller's. No by default; commands that only talk to the API say yes.
     */
    boolean servedInDaemon(ParsedArguments args) {
        return false;
    }

    /** Whether the command takes Docker's combined short flags; the older commands do not. */
    boolean dockerStyle() {
        return false;
    }

    /** Whether options stop at the first positional, as for {@code run IMAGE CMD...}. */
    boolean optionsEndAtFirstArgument() {
        return false;
    }

    /** A usage error of this command: {@code berth name: message}, followed by the usage. */
    final UsageException usageError(String message) {
        return new UsageException("berth " + name + ": " + message, usage);
    }

    /** Fails with a usage error when the command was given positional arguments it does not take. */
    final void noArguments(ParsedArguments args) throws UsageException {
        if (!args.positionals().isEmpty()) {
            throw usageError("unexpected argument '" + args.positionals().get(0) + "'");
        }
    }

    /** Whether {@code --format json} was given; any other format is a usage error. */
    final boolean json(ParsedArguments args) throws UsageException {
        return Formats.json(args, "berth " + name, usage);
    }

    /**
     * Runs the command with parsed arguments.
     *
     * @return the exit code
     */
    abstract int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException;
}
