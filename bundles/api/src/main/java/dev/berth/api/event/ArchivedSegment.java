package dev.berth.api.event;

import java.util.Objects;

/**
 * One segment the log moved out of its live directory by {@link EventLog#archive}: where it lives now,
 * which records it holds and how it chains to its neighbours. The records stay readable and verifiable
 * through the log. Immutable.
 *
 * @param file          the archived (compressed) file
 * @param firstSequence its first record
 * @param lastSequence  its last record
 * @param anchor        the hash of the record before its first
 * @param lastHash      the hash of its last record, which the next segment's anchor must equal
 * @param firstTimeNanos when its first record was appended (nanoseconds since the epoch)
 * @param lastTimeNanos  when its last record was appended
 */
public record ArchivedSegment(String file, long firstSequence, long lastSequence, ChainHash anchor,
        ChainHash lastHash, long firstTimeNanos, long lastTimeNanos) {
    public ArchivedSegment {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(anchor, "anchor");
        Objects.requireNonNull(lastHash, "lastHash");
    }

    /** Whether record {@code sequence} is in this segment. */
    public boolean holds(long sequence) {
        return sequence >= firstSequence && sequence <= lastSequence;
    }
}
