package dev.berth.dockerapi.impl;

import dev.berth.api.container.AttachFrames;
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
import java.util.function.Supplier;

/**
 * Docker's format for {@code GET /containers/{id}/logs}, from the container's log file (JSON lines
 * {@code {"time","stream","log"}} written by its monitor): each entry as a multiplexed frame (8-byte header
 * naming stdout or stderr) or, for a container with a terminal, as raw bytes; {@code timestamps} puts the
 * entry's time before it. {@code since}/{@code until} bound the entry times, {@code tail} keeps the last N
 * entries. A read failure just ends the stream. Reading, following until the container stops, and closing
 * are {@link LogFileStream}'s. Thread-safe: immutable.
 */
final class ContainerLogs implements LogFileStream.Format<Buffer> {
    /** What the request asked for. */
    record Options(boolean stdout, boolean stderr, boolean follow, Instant since, Instant until, boolean timestamps,
            Integer tail, boolean tty) {
    }

    private final Options options;

    ContainerLogs(Options options) {
        this.options = options;
    }

    /**
     * Streams {@code file} into {@code response}.
     *
     * @param runningNow whether the container ran when the logs were asked for (if not, one pass to the end)
     * @param running    asks the engine whether it still runs; a failure counts as no
     */
    static void start(Vertx vertx, HttpServerResponse response, Path file, Options options, boolean runningNow,
            Supplier<Future<Boolean>> running) {
        ContainerLogs format = new ContainerLogs(options);
        new LogFileStream<>(vertx, response, new LogFileReader<>(file, format::render), format, options.tail(),
                options.follow(), runningNow, running)
                .start(options.tty() ? HijackedStreams.RAW : HijackedStreams.MULTIPLEXED);
    }

    @Override
    public Buffer entry(Buffer entry) {
        return entry;
    }

    @Override
    public Buffer failure(Throwable cause) {
        return null;
    }

    /** One log line as Docker's bytes, or null when it is filtered out or unreadable. */
    Buffer render(String line) {
        if (line.isBlank()) {
            return null;
        }
        JsonObject json;
        try {
            json = new JsonObject(line);
        } catch (DecodeException | ClassCastException e) {
            return null;
        }
        boolean stderr = "stderr".equals(json.getValue("stream"));
        if (stderr ? !options.stderr() : !options.stdout()) {
            return null;
        }
        Instant time = json.getValue("time") instanceof String text ? DockerContainerJson.instant(text) : null;
        if (time != null && (options.since() != null && time.isBefore(options.since())
                || options.until() != null && time.isAfter(options.until()))) {
            return null;
        }
        String text = json.getValue("log") instanceof String log ? log : "";
        Buffer payload = Buffer.buffer();
        if (options.timestamps()) {
            payload.appendString((time == null ? DockerContainerJson.ZERO_TIME : time.toString()) + " ");
        }
        payload.appendString(text);
        if (options.tty()) {
            return payload;
        }
        return MonitorFrames.frame(stderr ? AttachFrames.STDERR : AttachFrames.STDOUT, payload);
    }
}
