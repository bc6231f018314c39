package dev.berth.dockerapi.impl;

import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.apiserver.stream.EventLogStream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Docker's format for {@code GET /events}: each record translated into Docker's event messages, those that
 * pass the filters written as one JSON object per line; a failure ends the stream with a JSON error object.
 * With {@code since} or {@code until}, history from the first record at or after {@code since} (from the
 * start with only {@code until}); then, unless {@code until} has passed, new records until {@code until} or
 * until the client goes. Reading, following and closing are {@link EventLogStream}'s. Not thread-safe: the
 * stream calls it on the request's context only.
 */
final class DockerEventStream implements EventLogStream.Format {
    private final EventTranslator translator;
    private final EventMatcher matcher;

    private DockerEventStream(EventTranslator translator, EventMatcher matcher) {
        this.translator = translator;
        this.matcher = matcher;
    }

    /** Sends the head and streams the events; call it on the request's context. */
    static void start(Vertx vertx, EventLog log, HttpServerResponse response, EventTranslator translator,
            EventMatcher matcher, Instant since, Instant until) {
        response.setChunked(true).putHeader("Content-Type", "application/json");
        response.writeHead();
        boolean follow = until == null || until.isAfter(Instant.now());
        new EventLogStream(vertx, log, response, new DockerEventStream(translator, matcher),
                since == null && until == null ? null : l -> since == null ? 1 : l.firstSequenceAtOrAfter(since),
                until, follow).start();
    }

    @Override
    public String record(EventRecord record) {
        StringBuilder text = new StringBuilder();
        for (JsonObject message : translator.translate(record)) {
            if (matcher.matches(message)) {
                text.append(message.encode()).append('\n');
            }
        }
        return text.toString();
    }

    @Override
    public String failure(Throwable cause) {
        return ProgressStream.error("events: " + DockerReply.message(cause)).encode() + "\n";
    }
}
