package dev.berth.eventlog.impl;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link SegmentedEventLog#verifyRecords(long)}: how far the check got and the first damaged
 * record, if any. Immutable.
 *
 * @param fromSequence    the first sequence checked
 * @param verifiedThrough the last sequence that passed every check (fromSequence - 1 when none did)
 * @param head            the head sequence the check ran up to
 * @param damage          the first damaged record, empty when everything checked out
 */
public record VerifyResult(long fromSequence, long verifiedThrough, long head, Optional<Damaged> damage) {

    /**
     * A record that failed a check. Immutable.
     *
     * @param file     the segment file
     * @param offset   the byte offset of the record (0 for a bad segment header) within {@code file}
     * @param sequence the sequence the record should carry
     * @param what     which check failed
     */
    public record Damaged(Path file, long offset, long sequence, String what) {
        public Damaged {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(what, "what");
        }
    }

    public VerifyResult {
        Objects.requireNonNull(damage, "damage");
    }

    /** True when every record from {@link #fromSequence()} to {@link #head()} passed. */
    public boolean ok() {
        return damage.isEmpty();
    }
}
