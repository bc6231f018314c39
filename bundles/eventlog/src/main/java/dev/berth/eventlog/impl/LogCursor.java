package dev.berth.eventlog.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogReadException;
import java.io.IOException;
import java.util.NoSuchElementException;

/**
 * An {@link EventCursor} over a {@link ChainWalker}: yields verified records from a sequence on, up to
 * the head captured when it was opened. Not thread-safe: one reader per cursor.
 */
final class LogCursor implements EventCursor {
    private final ChainWalker walker;
    private final long fromSequence;
    private ChainHash lastHash;
    private EventRecord next;
    private LogReadException failure;
    private boolean done;

    /** A cursor over {@code walker} (null for an empty cursor) that yields sequences from {@code fromSequence}. */
    LogCursor(ChainWalker walker, long fromSequence) {
        this.walker = walker;
        this.fromSequence = fromSequence;
        this.done = walker == null;
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (failure != null) {
            throw failure;
        }
        if (done) {
            return false;
        }
        try {
            while (walker.advance()) {
                RecordScanner r = walker.scanner();
                if (r.sequence() >= fromSequence) {
                    next = toRecord(r);
                    return true;
                }
            }
            done = true;
            walker.close();
            return false;
        } catch (Damage d) {
            throw fail(new LogReadException(d.toException()));
        } catch (IOException e) {
            throw fail(new LogReadException(new BerthException(ErrorKind.UNAVAILABLE,
                    "read event log " + walker.file() + ": " + e.getMessage(), e)));
        }
    }

    @Override
    public EventRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no record after the head the cursor was opened at");
        }
        EventRecord record = next;
        next = null;
        return record;
    }

    @Override
    public void close() {
        done = true;
        if (walker != null) {
            walker.close();
        }
    }

    private LogReadException fail(LogReadException e) {
        failure = e;
        done = true;
        walker.close();
        return e;
    }

    private EventRecord toRecord(RecordScanner r) {
        // The scanner verified previousHash equals the last record's hash, so that object can be reused.
        ChainHash previous = lastHash != null ? lastHash : SegmentFormat.chainHash(r.previousHash(), 0);
        ChainHash hash = SegmentFormat.chainHash(r.chainHash(), 0);
        lastHash = hash;
        return new EventRecord(r.sequence(), r.timeNanos(), r.type(), r.version(), r.subject(), r.payload(),
                previous, hash);
    }
}
