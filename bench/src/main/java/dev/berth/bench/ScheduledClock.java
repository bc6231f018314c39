package dev.berth.bench;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;

/**
 * A clock that answers with times planned in advance, one per call, in the order they were planned: the
 * generator plans the time of each event just before it appends it, and the log's writer asks the clock
 * once per record, in append order, so each record is stamped with its own planned time (the log still
 * makes times strictly increasing). One planning thread and one asking thread: the log's append lock
 * orders each {@link #plan} before the {@link #instant} call for that record.
 */
final class ScheduledClock implements InstantSource {
    private long[] times;
    private volatile int planned;
    private int asked;

    ScheduledClock(int expected) {
        times = new long[Math.max(16, expected)];
    }

    /** Plans the time of the next record, in nanoseconds since the epoch. Called by the one appending thread. */
    void plan(long nanos) {
        int n = planned;
        if (n == times.length) {
            times = Arrays.copyOf(times, n * 2);
        }
        times[n] = nanos;
        planned = n + 1;
    }

    /** The planned times so far, in planning order. */
    long[] plannedTimes() {
        return Arrays.copyOf(times, planned);
    }

    /** How many times the log has asked. */
    int asked() {
        return asked;
    }

    @Override
    public Instant instant() {
        int n = planned;
        if (asked >= n) {
            // More stamps than records planned: the log's use of its clock changed; the check after writing
            // would catch the shift, so fail here with a clear cause instead.
            throw new IllegalStateException("clock asked " + (asked + 1) + " times for " + n + " planned records");
        }
        long nanos = times[asked++];
        return Instant.ofEpochSecond(0, nanos);
    }
}
