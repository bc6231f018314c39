package dev.berth.api.event;

import java.time.Instant;
import java.util.Objects;

/**
 * One durable record of the event log: the envelope every event shares. Immutable.
 *
 * @param sequence      position in the log, from 1, with no gaps
 * @param timeNanos     UTC time of the append in nanoseconds since the epoch; never decreases along the log
 * @param type          the stored type name ("container.started")
 * @param version       the schema version of the payload
 * @param subject       what the event is about
 * @param payload       the payload as JSON object text
 * @param previousHash  the hash of the record before this one ({@link ChainHash#GENESIS} for the first)
 * @param hash          the SHA-256 of this record's body, which includes {@code previousHash}
 */
public record EventRecord(long sequence, long timeNanos, String type, int version, String subject, String payload,
        ChainHash previousHash, ChainHash hash) {

    public EventRecord {
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be at least 1, got " + sequence);
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(previousHash, "previousHash");
        Objects.requireNonNull(hash, "hash");
    }

    /** The append time as an {@link Instant}. */
    public Instant time() {
        return Instant.ofEpochSecond(Math.floorDiv(timeNanos, 1_000_000_000L), Math.floorMod(timeNanos, 1_000_000_000L));
    }
}
