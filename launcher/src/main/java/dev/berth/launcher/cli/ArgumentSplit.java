package dev.berth.launcher.cli;

import dev.berth.launcher.Option;
import dev.berth.launcher.OptionParser;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a command line into the forms {@link OptionParser} reads, the way Docker's CLI takes them:
 * combined short flags are split ({@code -it} becomes {@code -i -t}, {@code -eK=V} becomes
 * {@code -e K=V}), and, for commands like {@code run IMAGE CMD...}, a {@code --} is put before the first
 * positional argument so that everything from there on is an argument even if it starts with a dash. A
 * word with an unknown letter is left as it is, for the parser to report. Stateless and thread-safe.
 */
final class ArgumentSplit {
    private ArgumentSplit() {
    }

    /**
     * The rewritten arguments.
     *
     * @param options                the command's options (help is added)
     * @param endOptionsAtFirstArgument whether options stop at the first positional
     */
    static List<String> normalize(List<String> args, List<Option> options, boolean endOptionsAtFirstArgument) {
        List<Option> all = new ArrayList<>(options);
        all.add(OptionParser.help());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                out.addAll(args.subList(i, args.size()));
                return out;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                if (endOptionsAtFirstArgument) {
                    out.add("--");
                    out.addAll(args.subList(i, args.size()));
                    return out;
                }
                out.add(arg);
                continue;
            }
            if (arg.startsWith("--")) {
                out.add(arg);
                Option option = byLong(all, arg.substring(2));
                if (option != null && option.takesValue() && arg.indexOf('=') < 0 && i + 1 < args.size()) {
                    out.add(args.get(++i));
                }
                continue;
            }
            Split split = splitShort(arg, all);
            out.addAll(split.words());
            if (split.needsValue() && i + 1 < args.size()) {
                out.add(args.get(++i));   // the value of a trailing -e, -v, ...
            }
        }
        return out;
    }

    /** Words from one {@code -abc}, and whether the last one waits for its value in the next argument. */
    private record Split(List<String> words, boolean needsValue) {
    }

    /** {@code -abc} as separate words, or the word itself if a letter is unknown. */
    private static Split splitShort(String arg, List<Option> options) {
        List<String> words = new ArrayList<>();
        for (int c = 1; c < arg.length(); c++) {
            Option option = byShort(options, "-" + arg.charAt(c));
            if (option == null) {
                return new Split(List.of(arg), false);
            }
            words.add("-" + arg.charAt(c));
            if (option.takesValue()) {
                if (c + 1 < arg.length()) {
                    // -eK=V and, like Docker's flag library, -e=K=V
                    words.add(arg.substring(arg.charAt(c + 1) == '=' ? c + 2 : c + 1));
                    return new Split(words, false);
                }
                return new Split(words, true);
            }
        }
        return new Split(words, false);
    }

    private static Option byShort(List<Option> options, String word) {
        if (word.length() != 2 || word.charAt(0) != '-') {
            return null;
        }
        for (Option option : options) {
            if (option.shortName() != null && option.shortName().charAt(0) == word.charAt(1)) {
                return option;
            }
        }
        return null;
    }

    private static Option byLong(List<Option> options, String name) {
        for (Option option : options) {
            if (option.longName().equals(name)) {
                return option;
            }
        }
        return null;
    }
}
