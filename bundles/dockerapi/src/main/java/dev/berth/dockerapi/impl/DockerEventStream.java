package dev.berth.dockerapi.impl;

import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Streams one {@code GET /events} answer: with {@code since} or {@code until}, the log's records from the
 * first at or after {@code since} (from the start with only {@code until}); then, unless {@code until} has
 * passed, new records as the log appends them, until {@code until} or until the client goes. The log
 * subscription is taken before history is read, and live records at or below the last sequence already
 * written are dropped, so the stream has no gap and no duplicate. Each record is translated, filtered and
 * written as one JSON object per line. Not thread-safe: every method but the log listener runs on the
 * request's context; the listener only queues.
 */
final class DockerEventStream {
    private static final int CHUNK = 256;
    private static final int MAX_BACKLOG = 100_000;

    private final Vertx vertx;
    private final EventLog log;
    private final HttpServerResponse response;
    private final EventTranslator translator;
    private final EventMatcher matcher;
    private final Instant since;
    private final Long untilNanos;
    private final Queue<EventRecord> live = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private Context context;
    private AutoCloseable subscription;
    private EventCursor cursor;
    private long covered;
    private boolean historyDone;
    private boolean closed;
    private long untilTimer = -1;

    DockerEventStream(Vertx vertx, EventLog log, HttpServerResponse response, EventTranslator translator,
            EventMatcher matcher, Instant since, Instant until) {
        this.vertx = vertx;
        this.log = log;
        this.response = response;
        this.translator = translator;
        this.matcher = matcher;
        this.since = since;
        this.untilNanos = until == null ? null : DockerTime.nanos(until);
    }

    void start() {
        context = vertx.getOrCreateContext();
        response.setChunked(true).putHeader("Content-Type", "application/json");
        response.closeHandler(v -> close(false));
        response.writeHead();
        boolean followLive = untilNanos == null || untilNanos > DockerTime.nanos(Instant.now());
        if (followLive) {
            subscription = log.subscribe(record -> {
                if (queued.incrementAndGet() <= MAX_BACKLOG + 1) {
                    live.add(record);
                }
                context.runOnContext(v -> pump());
            });
        }
        if (since == null && untilNanos == null) {
            historyDone = true;
            return;
        }
        vertx.executeBlocking(() -> {
            long from = since == null ? 1 : log.firstSequenceAtOrAfter(since);
            return log.read(from);
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                fail(ar.cause());
            } else if (closed) {
                ar.result().close();
            } else {
                cursor = ar.result();
                nextChunk();
            }
        });
    }

    private void nextChunk() {
        EventCursor source = cursor;
        if (closed || source == null) {
            return;
        }
        vertx.executeBlocking(() -> {
            List<EventRecord> batch = new ArrayList<>(CHUNK);
            while (batch.size() < CHUNK && source.hasNext()) {
                batch.add(source.next());
            }
            return batch;
        }, false).onComplete(ar -> {
            if (closed) {
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
        EventCursor done = cursor;
        cursor = null;
        vertx.executeBlocking(() -> {
            done.close();
            return null;
        }, false);
        historyDone = true;
        if (untilNanos != null) {
            long delayMs = (untilNanos - DockerTime.nanos(Instant.now())) / 1_000_000;
            if (delayMs <= 0 || subscription == null) {
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

    /** Writes one record's messages that pass the filters; returns false once the stream has ended. */
    private boolean emit(EventRecord record) {
        covered = record.sequence();
        if (untilNanos != null && record.timeNanos() > untilNanos) {
            close(true);
            return false;
        }
        for (JsonObject message : translator.translate(record)) {
            if (matcher.matches(message)) {
                response.write(message.encode() + "\n");
            }
        }
        return true;
    }

    private void fail(Throwable cause) {
        if (closed) {
            return;
        }
        response.write(PullProgress.error("events: " + DockerReply.message(cause)).encode() + "\n");
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
        EventCursor open = cursor;
        cursor = null;
        if (open != null) {
            vertx.executeBlocking(() -> {
                open.close();
                return null;
            }, false);
        }
        if (end && !response.ended()) {
            response.end();
        }
    }
}
