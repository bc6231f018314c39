package dev.berth.dockerapi.impl;

import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogHead;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** An event log in memory for tests: records at times the test gives, listeners called on append. Thread-safe. */
final class MemoryLog implements EventLog {
    private final List<EventRecord> records = new CopyOnWriteArrayList<>();
    private final List<Consumer<EventRecord>> listeners = new CopyOnWriteArrayList<>();

    /** Appends a record of {@code type} about {@code subject} at {@code time}. */
    synchronized EventRecord add(Instant time, String type, String subject, String payload) {
        EventRecord record = new EventRecord(records.size() + 1L, DockerTime.nanos(time), type, 1, subject, payload,
                ChainHash.GENESIS, ChainHash.GENESIS);
        records.add(record);
        listeners.forEach(l -> l.accept(record));
        return record;
    }

    int listeners() {
        return listeners.size();
    }

    @Override
    public CompletionStage<EventRecord> append(EventDraft draft) {
        return CompletableFuture.completedFuture(add(Instant.now(), draft.type(), draft.subject(), draft.payload()));
    }

    @Override
    public LogHead head() {
        throw new UnsupportedOperationException("not needed by the Docker API");
    }

    @Override
    public EventCursor read(long fromSequence) {
        List<EventRecord> copy = new ArrayList<>(records.subList((int) Math.min(records.size(),
                Math.max(0, fromSequence - 1)), records.size()));
        Iterator<EventRecord> it = copy.iterator();
        return new EventCursor() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public EventRecord next() {
                return it.next();
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public long firstSequenceAtOrAfter(Instant time) {
        long nanos = DockerTime.nanos(time);
        for (EventRecord record : records) {
            if (record.timeNanos() >= nanos) {
                return record.sequence();
            }
        }
        return records.size() + 1L;
    }

    @Override
    public AutoCloseable subscribe(Consumer<EventRecord> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
