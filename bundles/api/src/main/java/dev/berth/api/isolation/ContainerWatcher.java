package dev.berth.api.isolation;

import java.util.function.Consumer;

/**
 * An optional role of an {@link IsolationModule}: it watches the containers it isolated while they run.
 * The engine calls {@link #watch} when a container's process has started and closes the returned handle
 * when it has exited (or the module goes away); what the module observes goes to {@code observations},
 * from any thread, including the closing thread (a last look when the container exits). The engine calls
 * {@code watch} again for running containers when the module or the engine restarts, so a watcher reports
 * totals since the container's start (an OOM kill count read from its cgroup), not only what happened
 * since {@code watch}; the engine logs each higher total once. Thread-safe.
 */
public interface ContainerWatcher {
    /** Starts watching {@code container}; closing the result stops it. Must not block. */
    AutoCloseable watch(WatchedContainer container, Consumer<Observation> observations);
}
