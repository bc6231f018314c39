package dev.berth.apiserver.impl;

import dev.berth.api.bus.BusAddresses;
import dev.berth.api.event.EnvelopeFormat;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams one {@code GET /v1/events} answer as NDJSON: history from the log, then (with follow) live
 * events from the bus, with no gap and no duplicate between the two. The bus subscription is taken
 * before history is read; live events at or below the last sequence already covered are dropped, and a
 * gap is filled from the log. Not thread-safe: every method runs on the request's event-loop context.
 */
final class EventStream {
    private static final int CHUNK = 256;
    private static final int MAX_BACKLOG = 100_000;

    /** One event ready to write: what the filters need, and its envelope text. */
    private record Item(long sequence, long timeNanos, String type, String subject, String json) {
        static Item of(EventRecord record) {
            return new Item(record.sequence(), record.timeNanos(), record.type(), record.subject(),
                    EnvelopeFormat.toJson(record));
        }
    }

    private final Vertx vertx;
    private final EventLog log;
    private final HttpServerResponse response;
    private final EventFilter filter;
    private final boolean follow;
    private final long fromSequence;
    private final ArrayDeque<Item> live = new ArrayDeque<>();
    private MessageConsumer<String> consumer;
    private EventCursor cursor;
    private long covered;
    private boolean historyDone;
    private boolean fillingGap;
    private boolean closed;
    private long untilTimer = -1;

    EventStream(Vertx vertx, EventLog log, HttpServerResponse response, EventFilter filter, boolean follow,
            long fromSequence) {
        this.vertx = vertx;
        this.log = log;
        this.response = response;
        this.filter = filter;
        this.follow = follow;
        this.fromSequence = fromSequence;
    }

    void start() {
        response.setChunked(true).putHeader("Content-Type", "application/x-ndjson");
        response.closeHandler(v -> close(false));
        if (follow) {
            consumer = vertx.eventBus().consumer(BusAddresses.EVENTS, this::onLive);
            consumer.completion().onComplete(ar -> openHistory());
        } else {
            openHistory();
        }
    }

    private void openHistory() {
        vertx.executeBlocking(() -> {
            long from = fromSequence;
            if (filter.since() != null) {
                from = Math.max(from, log.firstSequenceAtOrAfter(filter.since()));
            }
            return from;
        }).onComplete(ar -> {
            if (ar.failed()) {
                fail(ar.cause());
                return;
            }
            covered = ar.result() - 1;
            vertx.executeBlocking(() -> log.read(ar.result())).onComplete(opened -> {
                if (opened.failed()) {
                    fail(opened.cause());
                } else if (closed) {
                    opened.result().close();
                } else {
                    cursor = opened.result();
                    nextChunk();
                }
            });
        });
    }

    private void nextChunk() {
        EventCursor source = cursor;
        if (closed || source == null) {
            return;
        }
        vertx.executeBlocking(() -> {
            List<Item> batch = new ArrayList<>(CHUNK);
            while (batch.size() < CHUNK && source.hasNext()) {
                batch.add(Item.of(source.next()));
            }
            return batch;
        }).onComplete(ar -> {
            if (closed) {
                return;
            }
            if (ar.failed()) {
                fail(ar.cause());
                return;
            }
            for (Item item : ar.result()) {
                if (!emit(item)) {
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
        cursor.close();
        cursor = null;
        if (!follow) {
            close(true);
            return;
        }
        historyDone = true;
        if (filter.until() != null) {
            long delay = filter.until().toEpochMilli() - Instant.now().toEpochMilli();
            if (delay <= 0) {
                close(true);
                return;
            }
            untilTimer = vertx.setTimer(delay, id -> close(true));
        }
        pump();
    }

    private void onLive(Message<String> message) {
        if (closed) {
            return;
        }
        JsonObject envelope = new JsonObject(message.body());
        live.add(new Item(envelope.getLong("sequence"), envelope.getLong("timeNanos"), envelope.getString("type"),
                envelope.getString("subject"), message.body()));
        if (live.size() > MAX_BACKLOG) {
            fail(new IllegalStateException("client reads too slowly: more than " + MAX_BACKLOG + " events queued"));
            return;
        }
        if (historyDone) {
            pump();
        }
    }

    /** Writes queued live events in order, filling any gap from the log first. */
    private void pump() {
        while (!closed && !fillingGap && !live.isEmpty()) {
            Item next = live.peek();
            if (next.sequence() <= covered) {
                live.poll();
                continue;
            }
            if (next.sequence() > covered + 1) {
                fillGap(covered + 1, next.sequence() - 1);
                return;
            }
            live.poll();
            emit(next);
        }
    }

    private void fillGap(long from, long to) {
        fillingGap = true;
        vertx.executeBlocking(() -> {
            List<Item> missing = new ArrayList<>();
            try (EventCursor gap = log.read(from)) {
                while (gap.hasNext()) {
                    EventRecord record = gap.next();
                    if (record.sequence() > to) {
                        break;
                    }
                    missing.add(Item.of(record));
                }
            }
            return missing;
        }).onComplete(ar -> {
            fillingGap = false;
            if (ar.failed()) {
                fail(ar.cause());
                return;
            }
            for (Item item : ar.result()) {
                if (item.sequence() == covered + 1 && !emit(item)) {
                    return;
                }
            }
            pump();
        });
    }

    /** Writes one event if it passes the filters; returns false once the stream has ended. */
    private boolean emit(Item item) {
        covered = item.sequence();
        if (filter.pastUntil(item.timeNanos())) {
            close(true);
            return false;
        }
        if (filter.matches(item.type(), item.subject())) {
            response.write(item.json() + "\n");
        }
        return true;
    }

    private void fail(Throwable cause) {
        if (closed) {
            return;
        }
        StringBuilder line = new StringBuilder("{\"error\":");
        EnvelopeFormat.quote(line, "events: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        line.append("}\n");
        response.write(line.toString());
        close(true);
    }

    private void close(boolean end) {
        if (closed) {
            return;
        }
        closed = true;
        if (consumer != null) {
            consumer.unregister();
        }
        if (untilTimer >= 0) {
            vertx.cancelTimer(untilTimer);
        }
        if (cursor != null) {
            EventCursor c = cursor;
            cursor = null;
            vertx.executeBlocking(() -> {
                c.close();
                return null;
            });
        }
        if (end) {
            response.end();
        }
    }
}
