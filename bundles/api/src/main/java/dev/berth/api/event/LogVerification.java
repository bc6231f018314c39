package dev.berth.api.event;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link EventLog#verify(long)}: how far the check of framing, CRCs, sequence continuity
 * and hash chain got, and the first record that failed it, if any. Immutable.
 *
 * @param fromSequence    the first sequence checked
 * @param verifiedThrough the last sequence that passed every check ({@code fromSequence - 1} when none did)
 * @param head            the head sequence the check ran up to
 * @param damage          the first damaged record; empty when everything checked out
 */
public record LogVerification(long fromSequence, long verifiedThrough, long head, Optional<Damage> damage) {

    /**
     * A record that failed a check: its segment file, its byte offset there (0 for a bad segment header),
     * the sequence it should carry, and which check failed. Immutable.
     */
    public record Damage(String file, long offset, long sequence, String problem) {
        public Damage {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(problem, "problem");
        }
    }

    public LogVerification {
        Objects.requireNonNull(damage, "damage");
    }

    /** True when every record from {@link #fromSequence()} to {@link #head()} passed. */
    public boolean intact() {
        return damage.isEmpty();
    }
}
