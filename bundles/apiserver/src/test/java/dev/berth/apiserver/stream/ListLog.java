package dev.berth.apiserver.stream;

import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogHead;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An event log in a list for the stream tests: record {@code n} is appended at second {@code n} of the epoch;
 * a cursor can be made to fail at one sequence, and it records the thread that closed it. Thread-safe.
 */
final class ListLog implements EventLog {
    private final List<EventRecord> records = new CopyOnWriteArrayList<>();
    final List<Consumer<EventRecord>> listeners = new CopyOnWriteArrayList<>();
    /** The threads cursors were closed on, one entry per close. */
    final List<String> closedOn = new CopyOnWriteArrayList<>();
    /** Reading this sequence fails. */
    volatile long failAt = Long.MAX_VALUE;
    /** Run by {@link #read} before it takes its snapshot (e.g. to append while history is opened). */
    volatile Runnable beforeRead = () -> { };

    /** Appends {@code count} records and tells the listeners. */
    synchronized void append(int count) {
        for (int i = 0; i < count; i++) {
            long sequence = records.size() + 1L;
            EventRecord record = new EventRecord(sequence, sequence * 1_000_000_000L, "note.added", 1, "s" + sequence,
                    "{}", ChainHash.GENESIS, ChainHash.GENESIS);
            records.add(record);
            listeners.forEach(l -> l.accept(record));
        }
    }

    @Override
    public CompletionStage<EventRecord> append(EventDraft draft) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("tests append with append(int)"));
    }

    @Override
    public LogHead head() {
        throw new UnsupportedOperationException("not needed by the stream");
    }

    @Override
    public EventCursor read(long fromSequence) {
        beforeRead.run();
        List<EventRecord> snapshot = new ArrayList<>(records.subList((int) Math.min(records.size(),
                Math.max(0, fromSequence - 1)), records.size()));
        return new EventCursor() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < snapshot.size();
            }

            @Override
            public EventRecord next() {
                EventRecord record = snapshot.get(next++);
                if (record.sequence() == failAt) {
                    throw new IllegalStateException("read record " + failAt + ": CRC mismatch");
                }
                return record;
            }

            @Override
            public void close() {
                closedOn.add(Thread.currentThread().getName());
            }
        };
    }

    @Override
    public long firstSequenceAtOrAfter(Instant time) {
        long second = time.getEpochSecond() + (time.getNano() > 0 ? 1 : 0); // record n is at second n
        return Math.min(Math.max(1, second), records.size() + 1L);
    }

    @Override
    public AutoCloseable subscribe(Consumer<EventRecord> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
