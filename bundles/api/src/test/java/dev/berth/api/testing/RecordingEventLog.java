package dev.berth.api.testing;

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
 * An event log for a stage plugin's unit tests that only keeps the drafts appended to it, acknowledging
 * each at once; the real log is exercised by the event-log bundle's contract tests and by itests. Reading
 * is not supported. Thread-safe.
 */
public final class RecordingEventLog implements EventLog {
    private final List<EventDraft> drafts = new CopyOnWriteArrayList<>();
    private volatile boolean full;

    /** The drafts appended so far, oldest first (a live view). */
    public List<EventDraft> drafts() {
        return drafts;
    }

    /** From now on every append fails (or, with false, succeeds again) the way a full disk makes it fail. */
    public void failAppends(boolean fail) {
        full = fail;
    }

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
        throw new UnsupportedOperationException("a recording log only records appends");
    }

    @Override
    public EventCursor read(long fromSequence) {
        throw new UnsupportedOperationException("a recording log only records appends");
    }

    @Override
    public long firstSequenceAtOrAfter(Instant time) {
        throw new UnsupportedOperationException("a recording log only records appends");
    }

    @Override
    public AutoCloseable subscribe(Consumer<EventRecord> listener) {
        throw new UnsupportedOperationException("a recording log only records appends");
    }
}
