package dev.berth.plugin.expand.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogHead;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An event log for unit tests that only keeps the drafts appended to it, acknowledging each at once; the
 * real log is exercised by the event-log bundle's contract tests and by itests. Thread-safe.
 */
final class RecordingEventLog implements EventLog {
    final List<EventDraft> drafts = new CopyOnWriteArrayList<>();
    /** When set, every append fails the way a full disk does. */
    volatile boolean full;

    @Override
    public CompletionStage<EventRecord> append(EventDraft draft) {
        if (full) {
            return CompletableFuture.failedFuture(new BerthException(ErrorKind.UNAVAILABLE,
                    "append event: no space left on device"));
        }
        drafts.add(draft);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public LogHead head() {
        throw new UnsupportedOperationException("not needed by the expand stage");
    }

    @Override
    public EventCursor read(long fromSequence) {
        throw new UnsupportedOperationException("not needed by the expand stage");
    }

    @Override
    public long firstSequenceAtOrAfter(Instant time) {
        throw new UnsupportedOperationException("not needed by the expand stage");
    }

    @Override
    public AutoCloseable subscribe(Consumer<EventRecord> listener) {
        throw new UnsupportedOperationException("not needed by the expand stage");
    }
}
