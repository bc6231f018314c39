package dev.berth.launcher;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The result of {@link OptionParser#parse}: option values by long name, in the order given, and the
 * positional arguments. Immutable.
 */
public final class ParsedArguments {

    private final Map<String, List<String>> values;
    private final List<String> positionals;

    ParsedArguments(Map<String, List<String>> values, List<String> positionals) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        this.values = Map.copyOf(copy);
        this.positionals = List.copyOf(positionals);
    }

    /** Whether the option was given at least once. */
    public boolean has(String longName) {
        return values.containsKey(longName);
    }

    /** The value of a single-valued option, if given. */
    public Optional<String> value(String longName) {
        List<String> all = values.get(longName);
        return all == null ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** Every value of a repeatable option, in the order given; empty if absent. */
    public List<String> values(String longName) {
        return values.getOrDefault(longName, List.of());
    }

    /** Whether {@code -h}/{@code --help} was given. */
    public boolean helpRequested() {
        return has("help");
    }

    /** The positional arguments in order. */
    public List<String> positionals() {
        return positionals;
    }
}
