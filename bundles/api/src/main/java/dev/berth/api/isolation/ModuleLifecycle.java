package dev.berth.api.isolation;

import java.util.Map;

/**
 * An optional role of an {@link IsolationModule} that allocates something per container (an SELinux MCS
 * pair, a user namespace uid range) and must never hand it out twice. The engine calls
 * {@link #restore} once per container that still exists when the module becomes available (at daemon
 * start, or after the module is installed or updated), with the facts the module returned for it, as
 * recorded in the log; and {@link #release} when a container is removed or its creation failed after the
 * module contributed. Both are idempotent. Thread-safe.
 */
public interface ModuleLifecycle {
    /** Marks what {@code facts} describe as taken by {@code containerId}. */
    void restore(String containerId, Map<String, String> facts);

    /**
     * Frees what {@code facts} describe; {@code containerId} no longer exists. {@code facts} is empty when
     * the engine never learnt them (a creation that failed or timed out inside the spec stage): then free
     * whatever {@code containerId} holds.
     */
    void release(String containerId, Map<String, String> facts);
}
