package dev.berth.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the arguments of one command against its declared {@link Option}s. Accepts {@code --name value},
 * {@code --name=value}, {@code -x value}, and {@code --} to end options; anything else starting with a dash
 * is an unknown option. {@code -h}/{@code --help} is always recognised. Immutable and thread-safe.
 */
public final class OptionParser {

    private static final Option HELP = Option.flag("help", "h", "print this help");

    private final String command;
    private final String usage;
    private final List<Option> options;

    /**
     * Creates a parser.
     *
     * @param command the command as the user typed it, for messages ({@code berth events})
     * @param usage   the full usage text, carried by every {@link UsageException}
     * @param options the options the command accepts (besides help)
     */
    public OptionParser(String command, String usage, List<Option> options) {
        this.command = command;
        this.usage = usage;
        List<Option> all = new ArrayList<>(options);
        all.add(HELP);
        this.options = List.copyOf(all);
    }

    /** The help option every command accepts. */
    public static Option help() {
        return HELP;
    }

    /** The usage text given at construction. */
    public String usage() {
        return usage;
    }

    /** Parses {@code args}: options anywhere, positionals in order. */
    public ParsedArguments parse(List<String> args) throws UsageException {
        Map<String, List<String>> values = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            String name;
            String inlineValue = null;
            Option option;
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
                inlineValue = eq < 0 ? null : arg.substring(eq + 1);
                option = byLongName(name);
            } else {
                name = arg.substring(1);
                if (name.length() > 1) {
                    // -fvalue is not supported; "-since" is a typo for --since and reported as unknown.
                    throw new UsageException(command + ": unknown option " + arg, usage);
                }
                option = byShortName(name);
            }
            if (option == null) {
                throw new UsageException(command + ": unknown option " + arg, usage);
            }
            String value = null;
            if (option.takesValue()) {
                if (inlineValue != null) {
                    value = inlineValue;
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new UsageException(command + ": option --" + option.longName() + " needs a value ("
                            + option.valueName() + ")", usage);
                }
            } else if (inlineValue != null) {
                throw new UsageException(command + ": option --" + option.longName() + " takes no value", usage);
            }
            List<String> previous = values.get(option.longName());
            if (previous != null && !option.repeatable()) {
                throw new UsageException(command + ": option --" + option.longName() + " given more than once", usage);
            }
            values.computeIfAbsent(option.longName(), k -> new ArrayList<>()).add(value == null ? "" : value);
        }
        return new ParsedArguments(values, positionals);
    }

    private Option byLongName(String name) {
        for (Option option : options) {
            if (option.longName().equals(name)) {
                return option;
            }
        }
        return null;
    }

    private Option byShortName(String name) {
        for (Option option : options) {
            if (name.equals(option.shortName())) {
                return option;
            }
        }
        return null;
    }

    /** Formats the option lines of a usage text, one per option, aligned. */
    public static String describe(List<Option> options) {
        List<Option> all = new ArrayList<>(options);
        all.add(HELP);
        int width = 0;
        for (Option option : all) {
            width = Math.max(width, option.synopsis().length());
        }
        StringBuilder text = new StringBuilder();
        for (Option option : all) {
            text.append("  ").append(option.synopsis())
                    .append(" ".repeat(width - option.synopsis().length() + 3))
                    .append(option.description()).append('\n');
        }
        return text.toString();
    }
}
