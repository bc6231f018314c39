package dev.berth.api.event;

import java.util.Objects;

/**
 * What {@link EventLog#export} wrote: a self-contained file holding records {@code firstSequence} to
 * {@code lastSequence} exactly as the log stores them, preceded by the chain anchor (the hash of the
 * record before the first), so anyone can check it without the log it came from. Immutable.
 *
 * @param file          the file written
 * @param firstSequence the first record in it
 * @param lastSequence  the last record in it ({@code firstSequence - 1} when the range held none)
 * @param anchor        the hash of the record before the first ({@link ChainHash#GENESIS} for record 1)
 * @param lastHash      the hash of the last record (the anchor when the range held none)
 * @param bytes         the file's size
 */
public record LogExport(String file, long firstSequence, long lastSequence, ChainHash anchor, ChainHash lastHash,
        long bytes) {
    public LogExport {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(anchor, "anchor");
        Objects.requireNonNull(lastHash, "lastHash");
    }

    /** How many records the file holds. */
    public long records() {
        return lastSequence - firstSequence + 1;
    }
}
