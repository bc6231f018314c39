package dev.berth.apiserver.impl;

import dev.berth.api.event.EnvelopeFormat;
import dev.berth.apiserver.stream.LogFileReader;
import dev.berth.apiserver.stream.LogFileStream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Berth's format for {@code GET /v1/containers/{id}/logs}: NDJSON, one line per log entry as stored, entries
 * before {@code since} left out, and a failure ending the stream with one {@code {"error": ...}} line. The
 * reading, following and closing are {@link LogFileStream}'s. Stateless, so thread-safe.
 */
final class LogStream implements LogFileStream.Format<String> {
    static final LogStream FORMAT = new LogStream();

    private LogStream() {
    }

    /**
     * Streams {@code file} into {@code response}; see {@link LogFileStream#LogFileStream} for the parameters.
     */
    static void start(Vertx vertx, HttpServerResponse response, Path file, Instant since, boolean follow,
            Integer tail, boolean stillRunning, Supplier<Future<Boolean>> running) {
        new LogFileStream<>(vertx, response, reader(file, since), FORMAT, tail, follow, stillRunning, running)
                .start("application/x-ndjson");
    }

    /** A reader of the file's lines as stored, leaving out those before {@code since} (if not null). */
    static LogFileReader<String> reader(Path file, Instant since) {
        return new LogFileReader<>(file, since(since));
    }

    /** Keeps a line unless its time is before {@code since}; lines without a readable time are kept. */
    static Function<String, String> since(Instant since) {
        return line -> {
            if (since == null) {
                return line;
            }
            try {
                Object time = new JsonObject(line).getValue("time");
                boolean before = time instanceof String text && OffsetDateTime.parse(text).toInstant().isBefore(since);
                return before ? null : line;
            } catch (DecodeException | ClassCastException | DateTimeParseException e) {
                return line;
            }
        };
    }

    @Override
    public Buffer entry(String line) {
        return Buffer.buffer(line).appendByte((byte) '\n');
    }

    @Override
    public Buffer failure(Throwable cause) {
        StringBuilder line = new StringBuilder("{\"error\":");
        EnvelopeFormat.quote(line, "logs: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        return Buffer.buffer(line.append("}\n").toString());
    }
}
