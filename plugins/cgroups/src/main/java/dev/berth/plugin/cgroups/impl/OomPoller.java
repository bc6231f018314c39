package dev.berth.plugin.cgroups.impl;

import dev.berth.api.BerthException;
import dev.berth.api.isolation.Observation;
import dev.berth.api.isolation.WatchedContainer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Watches the OOM-kill counters of running containers' cgroups ({@code oom_kill N} in v1
 * {@code memory.oom_control} or v2 {@code memory.events}) with one shared daemon thread that reads every
 * watched counter each interval, and reports each increase as an {@link Observation#OOM}. The counter
 * counts every process the OOM killer killed in the cgroup, so a killed child is seen while pid 1 lives on.
 * The thread starts with the first watch and ends when nothing is watched or on {@link #close}. A cgroup
 * that vanishes ends its watch; one that never appears ends it after a grace period. Thread-safe.
 */
final class OomPoller implements AutoCloseable {
    private static final Logger LOG = System.getLogger(OomPoller.class.getName());

    private final CgroupTree tree;
    private final long intervalMillis;
    private final long graceMillis;
    private final Object lock = new Object();
    /** Guarded by lock. */
    private final Set<Watch> watches = new LinkedHashSet<>();
    /** Guarded by lock; null when no poller runs. */
    private Thread thread;
    /** Guarded by lock. */
    private boolean closed;

    /**
     * A poller reading {@code tree} every {@code intervalMillis}, giving up on a cgroup that has not
     * appeared after {@code graceMillis}.
     */
    OomPoller(CgroupTree tree, long intervalMillis, long graceMillis) {
        if (intervalMillis <= 0 || graceMillis < 0) {
            throw new IllegalArgumentException("poll interval must be positive and grace not negative");
        }
        this.tree = tree;
        this.intervalMillis = intervalMillis;
        this.graceMillis = graceMillis;
    }

    /** Starts watching {@code container}, reporting to {@code sink} from the poller thread; never blocks long. */
    AutoCloseable watch(WatchedContainer container, Consumer<Observation> sink) {
        Watch watch = new Watch(container, sink, System.nanoTime());
        watch.baseline();
        synchronized (lock) {
            if (closed) {
                return () -> { };
            }
            watches.add(watch);
            if (thread == null) {
                thread = new Thread(this::run, "berth-cgroups-oom-poller");
                thread.setDaemon(true);
                thread.start();
            }
        }
        return () -> stop(watch, true);
    }

    /** How many containers are watched now. */
    int watching() {
        synchronized (lock) {
            return watches.size();
        }
    }

    /** Whether the poller thread runs now. */
    boolean polling() {
        synchronized (lock) {
            return thread != null && thread.isAlive();
        }
    }

    /** Stops every watch and the poller thread. */
    @Override
    public void close() {
        Thread running;
        synchronized (lock) {
            closed = true;
            watches.clear();
            running = thread;
            thread = null;
            lock.notifyAll();
        }
        if (running != null && running != Thread.currentThread()) {
            try {
                running.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Ends {@code watch}; a closing handle reads the counter one last time so a final kill is not lost. */
    private void stop(Watch watch, boolean lastLook) {
        boolean removed;
        synchronized (lock) {
            removed = watches.remove(watch);
            lock.notifyAll();
        }
        if (removed) {
            watch.finish(lastLook);
        }
    }

    private void run() {
        while (true) {
            List<Watch> round;
            synchronized (lock) {
                if (thread != Thread.currentThread() || watches.isEmpty()) {
                    if (thread == Thread.currentThread()) {
                        thread = null;
                    }
                    return;
                }
                round = new ArrayList<>(watches);
            }
            long now = System.nanoTime();
            for (Watch watch : round) {
                if (!watch.poll(now)) {
                    stop(watch, false);
                }
            }
            synchronized (lock) {
                if (thread != Thread.currentThread()) {
                    return;
                }
                try {
                    lock.wait(intervalMillis);
                } catch (InterruptedException e) {
                    thread = null;
                    return;
                }
            }
        }
    }

    /** One watched container and the last count seen. Polled by one thread at a time. */
    private final class Watch {
        private final WatchedContainer container;
        private final Consumer<Observation> sink;
        private final long startedNanos;
        private long last;
        private boolean seen;
        private boolean done;

        Watch(WatchedContainer container, Consumer<Observation> sink, long startedNanos) {
            this.container = container;
            this.sink = sink;
            this.startedNanos = startedNanos;
        }

        /**
         * Notes whether the cgroup exists yet. The count starts from 0, not from what the cgroup holds now:
         * a kill between the container's start and this watch is news too (the engine logs each higher
         * total once, so a watch started again after a restart repeats nothing).
         */
        synchronized void baseline() {
            if (read().isPresent()) {
                seen = true;
            }
        }

        /** Reads the counter, reports an increase; false when the watch should end. */
        synchronized boolean poll(long now) {
            if (done) {
                return false;
            }
            OptionalLong count = read();
            if (count.isEmpty()) {
                return !seen && now - startedNanos < graceMillis * 1_000_000L;
            }
            seen = true;
            long kills = count.getAsLong();
            if (kills > last) {
                last = kills;
                report(kills);
            }
            return true;
        }

        /** Ends the watch, after a last look at the counter when {@code lastLook}; nothing is reported after. */
        synchronized void finish(boolean lastLook) {
            if (lastLook) {
                poll(System.nanoTime());
            }
            done = true;
        }

        private OptionalLong read() {
            try {
                return tree.oomKills(container.cgroupsPath());
            } catch (BerthException e) {
                return OptionalLong.empty(); // a path that names no cgroup: nothing to watch
            }
        }

        private void report(long kills) {
            long limit = tree.memoryLimitOrZero(container.cgroupsPath());
            if (limit == 0) {
                limit = factLimit();
            }
            String detail = "the OOM killer killed a process in the container (oom_kill " + kills + ", memory limit "
                    + (limit > 0 ? Sizes.human(limit) : "none") + ")";
            try {
                sink.accept(new Observation(Observation.OOM, kills, detail));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "OOM observer of container " + container.id() + " failed", e);
            }
        }

        private long factLimit() {
            try {
                return Long.parseLong(container.facts().getOrDefault(CgroupLimits.FACT_MEMORY_LIMIT, "0"));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }
}
