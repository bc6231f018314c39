package dev.berth.api.container;

/**
 * A container as its runtime reports it: {@code status} is {@code created}, {@code running},
 * {@code paused}, {@code stopped}, or {@code absent} when the runtime does not know the id; {@code pid}
 * is its init process on the host (0 when none). Immutable.
 */
public record RuntimeState(String id, String status, int pid) {
    /** The state of an id the runtime does not know. */
    public static RuntimeState absent(String id) {
        return new RuntimeState(id, "absent", 0);
    }
}
