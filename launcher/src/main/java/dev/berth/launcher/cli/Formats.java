package dev.berth.launcher.cli;

import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;

/** The {@code --format} option shared by commands that can print raw JSON instead of text. */
final class Formats {

    /** {@code --format json}: print the daemon's JSON as received. */
    static final Option OPTION = Option.value("format", null, "FORMAT", "'json' prints the daemon's raw JSON");

    private Formats() {
    }

    /** Whether {@code --format json} was given; any other format is a usage error. */
    static boolean json(ParsedArguments args, String command, String usage) throws UsageException {
        String format = args.value("format").orElse("text");
        return switch (format) {
            case "json" -> true;
            case "text", "table" -> false;
            default -> throw new UsageException(command + ": unknown format '" + format + "' (use --format json)", usage);
        };
    }
}
