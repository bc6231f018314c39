package dev.berth.api.event;

import java.util.Iterator;

/**
 * Reads records in sequence order from a starting point up to the head the log had when the cursor
 * was opened. Not thread-safe: one reader per cursor. Close it to release its file handles.
 * {@link #next()} throws {@link LogReadException} when a record cannot be read or fails its CRC or
 * chain check; its cause is a {@link LogCorruptedException} for damage.
 */
public interface EventCursor extends Iterator<EventRecord>, AutoCloseable {
    @Override
    void close();
}
