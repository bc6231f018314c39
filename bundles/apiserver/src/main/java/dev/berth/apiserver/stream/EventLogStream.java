package dev.berth.apiserver.stream;

import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Streams the event log into one HTTP response: history from a starting sequence, read in chunks of
 * {@value #CHUNK} records on worker threads with the response's back-pressure honoured; then, when
 * following, the records the log appends (through {@link EventLog#subscribe}), until a record is past
 * {@code until}, {@code until} passes, reading fails, or the client goes away. The subscription is taken
 * before history is read, and live records at or below the last sequence already covered are dropped, so
 * the stream has no gap and no duplicate. The cursor is opened, read and closed on worker threads, one task
 * at a time (a close waits for a read still running); the tasks are unordered on the context, so a stream
 * never waits behind another request's blocking work. Not thread-safe: create and start it on the request's event-loop context; everything but the
 * log listener runs there, and the listener only queues.
 */
public final class EventLogStream {
    /** Records read per worker task. */
    public static final int CHUNK = 256;
    /** Live records a slow client may leave unwritten before the stream fails. */
    public static final int MAX_BACKLOG = 100_000;

    /** How one caller writes the stream: what one record becomes, and what a failure writes last. */
    @ConsumerType
    public interface Format {
        /**
         * The text for one record, each line ending in {@code "\n"}, or {@code ""} for a record filtered out.
         * Called on the event loop, in sequence order.
         */
        String record(EventRecord record);

        /** The text written last when the stream fails (reading the log, or a client that reads too slowly). */
        String failure(Throwable cause);
    }

    private final Vertx vertx;
    private final EventLog log;
    private final HttpServerResponse response;
    private final Format format;
    private final ToLongFunction<EventLog> history;
    private final Long untilNanos;
    private final boolean follow;
    private final Queue<EventRecord> live = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private Context context;
    private AutoCloseable subscription;
    private EventCursor cursor;
    private boolean reading;
    private long covered;
    private boolean historyDone;
    private boolean closed;
    private long untilTimer = -1;

    /**
     * @param response the response with its status and headers set; this stream writes, ends and watches it
     * @param history  the first sequence of history, computed on a worker thread (it may read the log), or
     *                 null for no history: only what is appended from now on
     * @param until    records after this time end the stream, and so does reaching it while following; or null
     * @param follow   whether to go on with new records once history is written
     */
    public EventLogStream(Vertx vertx, EventLog log, HttpServerResponse response, Format format,
            ToLongFunction<EventLog> history, Instant until, boolean follow) {
        this.vertx = vertx;
        this.log = log;
        this.response = response;
        this.format = format;
        this.history = history;
        this.untilNanos = until == null ? null : nanos(until);
        this.follow = follow;
    }

    /** Subscribes (when following), then reads history. Call it on the request's context. */
    public void start() {
        context = vertx.getOrCreateContext();
        response.closeHandler(v -> close(false));
        if (response.closed()) {
            closed = true; // the client left before the stream began
            return;
        }
        if (follow) {
            subscription = log.subscribe(record -> {
                if (queued.incrementAndGet() <= MAX_BACKLOG + 1) {
                    live.add(record);
                }
                context.runOnContext(v -> pump());
            });
        }
        if (history == null) {
            historyDone = true;
            return;
        }
        context.executeBlocking(() -> {
            long from = history.applyAsLong(log);
            return new Opened(from, log.read(from));
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                fail(ar.cause());
            } else if (closed) {
                closeLater(ar.result().cursor());
            } else {
                covered = ar.result().from() - 1;
                cursor = ar.result().cursor();
                nextChunk();
            }
        });
    }

    /** A cursor just opened and where it starts. */
    private record Opened(long from, EventCursor cursor) {
    }

    private void nextChunk() {
        EventCursor source = cursor;
        if (closed || source == null) {
            return;
        }
        reading = true;
        context.executeBlocking(() -> {
            List<EventRecord> batch = new ArrayList<>(CHUNK);
            while (batch.size() < CHUNK && source.hasNext()) {
                batch.add(source.next());
            }
            return batch;
        }, false).onComplete(ar -> {
            reading = false;
            if (closed) {
                closeLater(source); // closed while this read ran: close() left the cursor to it
                return;
            }
            if (ar.failed()) {
                fail(ar.cause());
                return;
            }
            for (EventRecord record : ar.result()) {
                if (!emit(record)) {
                    return;
                }
            }
            if (ar.result().size() < CHUNK) {
                endHistory();
            } else if (response.writeQueueFull()) {
                response.drainHandler(v -> nextChunk());
            } else {
                nextChunk();
            }
        });
    }

    private void endHistory() {
        closeLater(cursor);
        cursor = null;
        historyDone = true;
        if (!follow) {
            close(true);
            return;
        }
        if (untilNanos != null) {
            long now = nanos(Instant.now());
            long delayMs = untilNanos <= now ? 0 : (untilNanos - now) / 1_000_000;
            if (delayMs <= 0) {
                pump();
                close(true);
                return;
            }
            untilTimer = vertx.setTimer(delayMs, id -> close(true));
        }
        pump();
    }

    /** Writes the queued live records in order, once history is done. */
    private void pump() {
        if (closed || !historyDone) {
            return;
        }
        if (queued.get() > MAX_BACKLOG) {
            fail(new IllegalStateException("client reads too slowly: more than " + MAX_BACKLOG + " events queued"));
            return;
        }
        EventRecord record;
        while (!closed && (record = live.poll()) != null) {
            queued.decrementAndGet();
            if (record.sequence() > covered && !emit(record)) {
                return;
            }
        }
    }

    /** Writes one record as the caller formats it; returns false once the stream has ended. */
    private boolean emit(EventRecord record) {
        covered = record.sequence();
        if (untilNanos != null && record.timeNanos() > untilNanos) {
            close(true);
            return false;
        }
        String text = format.record(record);
        if (!text.isEmpty()) {
            response.write(text);
        }
        return true;
    }

    private void fail(Throwable cause) {
        if (closed) {
            return;
        }
        if (!response.ended()) {
            response.write(format.failure(cause));
        }
        close(true);
    }

    private void close(boolean end) {
        if (closed) {
            return;
        }
        closed = true;
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception e) {
                // the log is going away; nothing to release
            }
        }
        if (untilTimer >= 0) {
            vertx.cancelTimer(untilTimer);
        }
        if (!reading) {
            closeLater(cursor);
        }
        cursor = null;
        if (end && !response.ended()) {
            response.end();
        }
    }

    /** Closes a cursor on a worker; only when no read of it is running. */
    private void closeLater(EventCursor done) {
        if (done != null) {
            context.executeBlocking(() -> {
                done.close();
                return null;
            }, false);
        }
    }

    /** Nanoseconds since the epoch, as the log stores times; saturated for instants the log cannot reach. */
    private static long nanos(Instant instant) {
        try {
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
        } catch (ArithmeticException e) {
            return instant.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
