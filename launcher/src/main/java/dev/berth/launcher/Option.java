package dev.berth.launcher;

import java.util.Objects;

/**
 * One command-line option: a long name ({@code --since}), an optional one-letter alias ({@code -f}),
 * whether it takes a value, and whether it may be repeated. Immutable.
 *
 * @param longName    the name without dashes, e.g. {@code since}
 * @param shortName   the alias letter without the dash, or {@code null}
 * @param valueName   the placeholder shown in usage ({@code T}), or {@code null} for a flag without value
 * @param repeatable  whether the option may be given more than once
 * @param description one line of help
 */
public record Option(String longName, String shortName, String valueName, boolean repeatable, String description) {

    /** Checks the names. */
    public Option {
        Objects.requireNonNull(longName, "longName");
        Objects.requireNonNull(description, "description");
        if (longName.isEmpty() || longName.startsWith("-")) {
            throw new IllegalArgumentException("option long name must be given without dashes: " + longName);
        }
        if (shortName != null && shortName.length() != 1) {
            throw new IllegalArgumentException("option short name must be one letter: " + shortName);
        }
    }

    /** A flag that takes no value. */
    public static Option flag(String longName, String shortName, String description) {
        return new Option(longName, shortName, null, false, description);
    }

    /** An option that takes one value and may be given once. */
    public static Option value(String longName, String shortName, String valueName, String description) {
        return new Option(longName, shortName, valueName, false, description);
    }

    /** An option that takes one value and may be repeated. */
    public static Option repeated(String longName, String shortName, String valueName, String description) {
        return new Option(longName, shortName, valueName, true, description);
    }

    /** Whether the option takes a value. */
    public boolean takesValue() {
        return valueName != null;
    }

    /** The usage column for this option, e.g. {@code -f, --follow} or {@code     --since T}. */
    public String synopsis() {
        String names = (shortName == null ? "    " : "-" + shortName + ", ") + "--" + longName;
        return takesValue() ? names + " " + valueName : names;
    }
}
