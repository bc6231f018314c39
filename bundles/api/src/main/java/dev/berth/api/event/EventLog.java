package dev.berth.api.event;

import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The append-only, hash-chained event log, offered by the event-log bundle as an OSGi service.
 * Thread-safe: any number of threads may append and read at once.
 *
 * <p>An append is acknowledged (its stage completes) only after the record is on disk and fsynced;
 * concurrent appends share one fsync (group commit). Appends from one thread get sequences in the order
 * that thread submitted them. Listeners see each record once, in sequence order, only after it is
 * durable, and before its append is acknowledged: once an append's stage completes, every listener
 * registered before it has seen the record. {@code EventLogContract} (the API's test-jar) checks all of
 * this for any implementation.
 */
@ProviderType
public interface EventLog {

    /**
     * Appends one event. The stage completes with the stored record once it is durable, or exceptionally
     * with a {@link dev.berth.api.BerthException} (kind UNAVAILABLE for a full disk or a stopped log).
     */
    CompletionStage<EventRecord> append(EventDraft draft);

    /** The newest durable record's position and hash. */
    LogHead head();

    /**
     * Opens a cursor over records with sequence at least {@code fromSequence} (from 1), up to the head at
     * the time of the call.
     */
    EventCursor read(long fromSequence);

    /** The sequence of the first record appended at or after {@code time}, or {@code head().sequence() + 1}. */
    long firstSequenceAtOrAfter(Instant time);

    /**
     * Registers a listener called with every record appended from now on, in sequence order, after it is
     * durable. Listeners run on the log's writer thread and must not block. Close the handle to unregister.
     */
    AutoCloseable subscribe(Consumer<EventRecord> listener);

    /**
     * Checks every record from {@code fromSequence} (from 1) to the head straight from the files: framing,
     * CRCs, sequence continuity and the hash chain, and reports the first record that fails instead of
     * throwing. Fails with a {@link dev.berth.api.BerthException} UNAVAILABLE only when the log cannot be
     * read at all, or when this implementation cannot check itself (the default).
     */
    default LogVerification verify(long fromSequence) throws dev.berth.api.BerthException {
        throw new dev.berth.api.BerthException(dev.berth.api.ErrorKind.UNAVAILABLE,
                "verify the event log: " + getClass().getName() + " cannot check its own records");
    }

    /**
     * Writes records {@code fromSequence} to {@code toSequence} (both inclusive, clamped to the head) to
     * {@code target} as one self-contained, verifiable file: the chain anchor before the first record, then
     * the records byte for byte as stored. The file appears complete or not at all. Fails with a
     * {@link dev.berth.api.BerthException}: INVALID for an empty or reversed range or an existing target,
     * UNAVAILABLE when the log cannot be read or this implementation cannot export (the default).
     */
    default LogExport export(long fromSequence, long toSequence, java.nio.file.Path target)
            throws dev.berth.api.BerthException {
        throw new dev.berth.api.BerthException(dev.berth.api.ErrorKind.UNAVAILABLE,
                "export the event log: " + getClass().getName() + " cannot export its records");
    }

    /**
     * Moves every whole segment whose records all come before {@code beforeSequence} out of the live
     * directory, compressed, into the log's archive; the current segment is never archived. Archived
     * records stay readable through {@link #read} and checked by {@link #verify}: the chain runs across the
     * boundary. Returns the segments archived by this call (empty when none qualified). Fails with a
     * {@link dev.berth.api.BerthException} UNAVAILABLE when the files cannot be moved, leaving every
     * segment either live or archived, never half of each, or when this implementation cannot archive.
     */
    default java.util.List<ArchivedSegment> archive(long beforeSequence) throws dev.berth.api.BerthException {
        throw new dev.berth.api.BerthException(dev.berth.api.ErrorKind.UNAVAILABLE,
                "archive the event log: " + getClass().getName() + " cannot archive its segments");
    }

    /** Every archived segment, oldest first (empty when nothing was archived). */
    default java.util.List<ArchivedSegment> archived() {
        return java.util.List.of();
    }
}
