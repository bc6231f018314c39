package dev.berth.api.isolation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What an isolation module sees of one container being created: its {@code containerId} and
 * {@code name}, the isolation {@code options} as the user gave them (long flag name to values in the
 * order given, e.g. {@code "cap-add" -> ["NET_ADMIN"]}, {@code "privileged" -> ["true"]}), the OCI
 * runtime {@code spec} being built (config.json text: the spec stage's base, with rootfs path, process
 * user and mounts, plus the fields of the modules that ran before this one, so a seccomp module sees the
 * capabilities the capabilities module gave), and {@code peers}: the host pid of each container named in a {@code container:NAME} option,
 * keyed by NAME as given. Immutable.
 */
public record IsolationRequest(String containerId, String name, Map<String, List<String>> options, String spec,
        Map<String, Integer> peers) {
    public IsolationRequest {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(spec, "spec");
        options = copy(options);
        peers = peers == null ? Map.of() : Map.copyOf(peers);
    }

    /** Every value given for {@code option}, in order; empty when not given. */
    public List<String> values(String option) {
        return options.getOrDefault(option, List.of());
    }

    /** The last value given for {@code option} (later flags win, as in Docker), if any. */
    public Optional<String> value(String option) {
        List<String> values = values(option);
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
    }

    /** Whether a flag option ({@code --privileged}) is set: given, and its last value is not {@code false}. */
    public boolean flag(String option) {
        return value(option).map(v -> !v.equalsIgnoreCase("false")).orElse(false);
    }

    /**
     * The values of {@code --security-opt KEY=VALUE} (or Docker's older {@code KEY:VALUE}) for one key,
     * in order; a bare {@code KEY} gives an empty string.
     */
    public List<String> securityOptions(String key) {
        List<String> found = new ArrayList<>();
        for (String option : values("security-opt")) {
            String k = securityKey(option);
            if (k.equals(key)) {
                found.add(option.length() == k.length() ? "" : option.substring(k.length() + 1));
            }
        }
        return found;
    }

    /** The key of one {@code --security-opt} value: what comes before the first {@code =} or {@code :}. */
    public static String securityKey(String option) {
        int eq = option.indexOf('=');
        int colon = option.indexOf(':');
        int cut = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
        return cut < 0 ? option : option.substring(0, cut);
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> options) {
        if (options == null) {
            return Map.of();
        }
        TreeMap<String, List<String>> copy = new TreeMap<>();
        options.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "option name"), List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(copy);
    }
}
