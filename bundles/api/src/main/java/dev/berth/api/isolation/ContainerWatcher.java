package dev.berth.api.isolation;

import java.util.function.Consumer;

/**
 * An optional role of an {@link IsolationModule}: it watches the containers it isolated while they run.
 * The engine calls {@link #watch} when a container's process has started and closes the returned handle
 * when it has exited (or the module goes away); what the module observes goes to {@code observations},
 * from any thread. Thread-safe.
 */
public interface ContainerWatcher {
    /** Starts watching {@code container}; closing the result stops it. Must not block. */
    AutoCloseable watch(WatchedContainer container, Consumer<Observation> observations);
}
