package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The implementations of one stage that are present, which of them serves, and the calls each has under
 * way. This is where the swap semantics live:
 * <ul>
 * <li>a call {@linkplain #acquire leases} one implementation and keeps it until it ends, so a call never
 * moves to another implementation half way;</li>
 * <li>an implementation that leaves ({@link #remove}) stops getting new calls at once, and its removal
 * waits until the calls it has under way end (bounded), so they finish on the implementation they started
 * on before its bundle is stopped;</li>
 * <li>while an implementation is being replaced (one left moments ago and none serves yet), new calls
 * wait for the replacement instead of failing; with no implementation at all they fail at once.</li>
 * </ul>
 * Which one serves: for a named call (runtimes: {@code berth.runtime}) the implementation of that name;
 * otherwise the plugin chosen by {@code berth plugin use} when it is present, else the highest service
 * ranking, the oldest service on ties (OSGi's own rule). Thread-safe: every method synchronises on the slot.
 *
 * @param <T> the stage's service interface
 */
final class StageSlot<T> {

    /**
     * One implementation: the service, the plugin (bundle symbolic name) and version that provide it, the
     * name calls may ask for ({@code berth.runtime} of runtimes, else the plugin id), its ranking and
     * service id. Immutable.
     */
    record Impl<T>(T service, String plugin, String version, String name, int ranking, long serviceId) {
        String describe() {
            return "plugin " + plugin + " " + version;
        }
    }

    /** A leased implementation; closing it ends the call. Not thread-safe: one per call. */
    final class Lease implements AutoCloseable {
        private final Impl<T> impl;
        private boolean closed;

        private Lease(Impl<T> impl) {
            this.impl = impl;
        }

        Impl<T> impl() {
            return impl;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(impl.service());
            }
        }
    }

    private final String stage;
    private final List<Impl<T>> present = new ArrayList<>();
    private final Map<T, Integer> underWay = new IdentityHashMap<>();
    private final Map<String, Long> leftAtNanos = new java.util.HashMap<>();
    private String chosen;
    private long anyLeftAtNanos = Long.MIN_VALUE;
    /** Calls that had to wait for a replacement, and the longest such wait: what a swap cost them. */
    private long waitedCalls;
    private long longestWaitNanos;

    StageSlot(String stage) {
        this.stage = stage;
    }

    String stage() {
        return stage;
    }

    /** An implementation arrived: it may serve at once, and calls waiting for one go ahead. */
    synchronized void add(Impl<T> impl) {
        present.add(impl);
        notifyAll();
    }

    /**
     * An implementation leaves: it gets no new call from now on, and this waits up to {@code drainMillis}
     * for the calls it has under way to end.
     *
     * @return how many of its calls were still under way when the wait ended (0 when all finished)
     */
    synchronized int remove(T service, long drainMillis) {
        Impl<T> gone = null;
        for (Impl<T> impl : present) {
            if (impl.service() == service) {
                gone = impl;
            }
        }
        if (gone == null) {
            return 0;
        }
        present.remove(gone);
        long now = System.nanoTime();
        anyLeftAtNanos = now;
        leftAtNanos.put(gone.name(), now);
        long deadline = now + Math.min(drainMillis, Long.MAX_VALUE / 4 / 1_000_000) * 1_000_000;
        boolean interrupted = false;
        while (underWay.getOrDefault(service, 0) > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return underWay.getOrDefault(service, 0);
    }

    /** Makes {@code plugin} the one that serves unnamed calls when it is present; null: ranking decides. */
    synchronized void choose(String plugin) {
        chosen = plugin;
        notifyAll();
    }

    synchronized String chosen() {
        return chosen;
    }

    /** The implementation unnamed calls get now, if any. */
    synchronized Optional<Impl<T>> active() {
        return select(null);
    }

    /** Every implementation present, oldest first. */
    synchronized List<Impl<T>> present() {
        return List.copyOf(present);
    }

    /** How many calls had to wait for a replacement during a swap, since the slot was made. */
    synchronized long waitedCalls() {
        return waitedCalls;
    }

    /** The longest time a call waited for a replacement during a swap, in milliseconds. */
    synchronized double longestWaitMillis() {
        return longestWaitNanos / 1e6;
    }

    /** How many calls are under way on every implementation together. */
    synchronized int underWay() {
        return underWay.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * Leases the implementation a call gets: the one named {@code name}, or the active one when
     * {@code name} is null. When there is none, but one left less than {@code waitMillis} ago (a swap
     * or an update under way), waits for a replacement until then.
     *
     * @throws BerthException UNAVAILABLE naming the stage (and the name) when none serves
     */
    synchronized Lease acquire(String name, long waitMillis) throws BerthException {
        long start = System.nanoTime();
        boolean waited = false;
        while (true) {
            Optional<Impl<T>> impl = select(name);
            if (impl.isPresent()) {
                underWay.merge(impl.get().service(), 1, Integer::sum);
                if (waited) {
                    waitedCalls++;
                    longestWaitNanos = Math.max(longestWaitNanos, System.nanoTime() - start);
                }
                return new Lease(impl.get());
            }
            waited = true;
            Long left = name == null ? (anyLeftAtNanos == Long.MIN_VALUE ? null : anyLeftAtNanos)
                    : leftAtNanos.get(name);
            long remaining = left == null ? 0 : waitMillis - (System.nanoTime() - left) / 1_000_000;
            if (remaining <= 0) {
                throw new BerthException(ErrorKind.UNAVAILABLE, unavailable(name));
            }
            try {
                wait(remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BerthException(ErrorKind.UNAVAILABLE, stage + " stage: interrupted while waiting for "
                        + "an implementation", e);
            }
        }
    }

    private String unavailable(String name) {
        if (name != null) {
            return "no runtime plugin named \"" + name + "\" is active: install or start it (berth runtime ls, "
                    + "berth plugins)";
        }
        return "no " + stage + " stage is active: install or start a " + stage + " plugin (berth plugins)";
    }

    private Optional<Impl<T>> select(String name) {
        if (name != null) {
            return present.stream().filter(i -> i.name().equals(name)).max(newest());
        }
        if (chosen != null) {
            Optional<Impl<T>> pick = present.stream().filter(i -> i.plugin().equals(chosen)).max(newest());
            if (pick.isPresent()) {
                return pick;
            }
        }
        return present.stream().max(Comparator.<Impl<T>>comparingInt(Impl::ranking)
                .thenComparing(Comparator.<Impl<T>>comparingLong(Impl::serviceId).reversed()));
    }

    /** Among implementations of one name or plugin, the newest registration: the updated one. */
    private static <T> Comparator<Impl<T>> newest() {
        return Comparator.<Impl<T>>comparingInt(Impl::ranking).thenComparingLong(Impl::serviceId);
    }

    private synchronized void release(T service) {
        underWay.computeIfPresent(service, (s, n) -> n <= 1 ? null : n - 1);
        notifyAll();
    }
}
