package dev.berth.api.event;

import java.util.Objects;

/**
 * The newest durable record of a log: its sequence and hash, the anchor an auditor notes down. An empty
 * log has sequence 0 and the {@link ChainHash#GENESIS} hash. Immutable.
 */
public record LogHead(long sequence, long timeNanos, ChainHash hash) {
    public static final LogHead EMPTY = new LogHead(0, 0, ChainHash.GENESIS);

    public LogHead {
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence must not be negative, got " + sequence);
        }
        Objects.requireNonNull(hash, "hash");
    }
}
