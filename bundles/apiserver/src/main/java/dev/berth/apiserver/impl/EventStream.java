package dev.berth.apiserver.impl;

import dev.berth.api.event.EnvelopeFormat;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.apiserver.stream.EventLogStream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;

/**
 * Berth's format for {@code GET /v1/events}: NDJSON, one envelope per line for the events that pass the
 * filter, history from {@code fromSequence} (or the filter's {@code since}, whichever is later) and, with
 * follow, live events; a failure ends the stream with one {@code {"error": ...}} line. Reading, following
 * and closing are {@link EventLogStream}'s. Thread-safe: the filter is immutable.
 */
final class EventStream implements EventLogStream.Format {
    private final EventFilter filter;

    private EventStream(EventFilter filter) {
        this.filter = filter;
    }

    /** Streams the events {@code filter} keeps into {@code response}, from sequence {@code fromSequence} on. */
    static void start(Vertx vertx, EventLog log, HttpServerResponse response, EventFilter filter, boolean follow,
            long fromSequence) {
        response.setChunked(true).putHeader("Content-Type", "application/x-ndjson");
        new EventLogStream(vertx, log, response, new EventStream(filter),
                l -> filter.since() == null ? fromSequence
                        : Math.max(fromSequence, l.firstSequenceAtOrAfter(filter.since())),
                filter.until(), follow).start();
    }

    @Override
    public String record(EventRecord record) {
        return filter.matches(record.type(), record.subject()) ? EnvelopeFormat.toJson(record) + "\n" : "";
    }

    @Override
    public String failure(Throwable cause) {
        StringBuilder line = new StringBuilder("{\"error\":");
        EnvelopeFormat.quote(line, "events: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        return line.append("}\n").toString();
    }
}
