package dev.berth.engine.impl;

import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Feeds a range of the log to a consumer while a thread of its own reads ahead: reading and checking the
 * records (CRCs, hash chain) overlaps with decoding and folding them on the caller's thread, which halves a
 * full replay on two cores. Records reach the consumer in sequence order, each once; a read failure is
 * thrown on the caller's thread; a consumer failure stops the reader. Stateless; each call is independent.
 */
final class LogFeed {
    private static final int BATCH = 512;
    private static final int BATCHES_AHEAD = 16;
    private static final List<EventRecord> END = List.of();

    private LogFeed() {
    }

    /**
     * Gives {@code consumer} every record from {@code from} through {@code through} (both inclusive, up to the
     * head when called); returns how many it gave.
     */
    static long forEach(EventLog log, long from, long through, Consumer<EventRecord> consumer) {
        if (from > through) {
            return 0;
        }
        BlockingQueue<List<EventRecord>> queue = new ArrayBlockingQueue<>(BATCHES_AHEAD);
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            try (EventCursor cursor = log.read(from)) {
                List<EventRecord> batch = new ArrayList<>(BATCH);
                while (cursor.hasNext()) {
                    EventRecord record = cursor.next();
                    if (record.sequence() > through) {
                        break;
                    }
                    batch.add(record);
                    if (batch.size() == BATCH) {
                        if (!offer(queue, batch, stop)) {
                            return;
                        }
                        batch = new ArrayList<>(BATCH);
                    }
                }
                if (!batch.isEmpty() && !offer(queue, batch, stop)) {
                    return;
                }
            } catch (RuntimeException e) {
                failure.set(e);
            }
            offer(queue, END, stop);
        }, "berth-log-feed");
        reader.setDaemon(true);
        reader.start();
        long given = 0;
        try {
            while (true) {
                List<EventRecord> batch = queue.take();
                if (batch == END) {
                    break;
                }
                for (EventRecord record : batch) {
                    consumer.accept(record);
                    given++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("replay of the event log interrupted at record #" + (from + given), e);
        } finally {
            stop.set(true);
            queue.clear();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return given;
    }

    /** Hands a batch over, giving up when the consumer stopped; false when it did. */
    private static boolean offer(BlockingQueue<List<EventRecord>> queue, List<EventRecord> batch, AtomicBoolean stop) {
        try {
            while (!queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                if (stop.get()) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
