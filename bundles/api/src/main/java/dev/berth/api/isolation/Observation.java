package dev.berth.api.isolation;

import java.util.Objects;

/**
 * Something a watching module saw happen to a running container: its {@code type} ({@link #OOM} is the
 * one the engine turns into a {@code container.oom} event), a running {@code count} where it has one
 * (OOM kills since the container started; the engine logs a count only when it is higher than the last
 * one logged), and a {@code detail} line for the event. Immutable.
 */
public record Observation(String type, long count, String detail) {
    /** The kernel's OOM killer killed a process in the container (pid 1 or any other). */
    public static final String OOM = "oom";

    public Observation {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(detail, "detail");
    }
}
