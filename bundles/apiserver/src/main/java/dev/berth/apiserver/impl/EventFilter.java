package dev.berth.apiserver.impl;

import java.time.Instant;
import java.util.List;

/**
 * Which records an events request wants: types (exact, or a prefix ending in {@code *}), subjects
 * (exact), and a time window. Empty lists match everything. Immutable and thread-safe.
 */
public record EventFilter(List<String> types, List<String> subjects, Instant since, Instant until) {

    public EventFilter {
        types = List.copyOf(types);
        subjects = List.copyOf(subjects);
    }

    /** Whether an event of this type and subject passes the filters (the time window is checked apart). */
    public boolean matches(String type, String subject) {
        return (types.isEmpty() || types.stream().anyMatch(t -> typeMatches(t, type)))
                && (subjects.isEmpty() || subjects.contains(subject));
    }

    /** Whether an event appended at {@code timeNanos} lies after the end of the window. */
    public boolean pastUntil(long timeNanos) {
        return until != null && Instant.ofEpochSecond(0, timeNanos).isAfter(until);
    }

    private static boolean typeMatches(String pattern, String type) {
        if (pattern.endsWith("*")) {
            return type.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(type);
    }
}
