package dev.berth.apiserver.impl;

import dev.berth.api.event.EnvelopeFormat;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.function.Supplier;

/**
 * Streams one {@code GET /v1/containers/{id}/logs} answer as NDJSON, one line per log entry as stored.
 * The file is read on worker threads through a {@link LogReader}; with {@code follow} it is polled every
 * {@link #POLL_MS} ms and the engine is asked every {@link #RECHECK_MS} ms whether the container still
 * runs; once it does not, the file is drained and the stream ends. A client that goes away stops it. A
 * failure ends the stream with one {@code {"error": ...}} line. Not thread-safe: every method runs on the
 * request's event-loop context.
 */
final class LogStream {
    static final long POLL_MS = 100;
    static final long RECHECK_MS = 1000;

    private final Vertx vertx;
    private final HttpServerResponse response;
    private final LogReader reader;
    private final boolean follow;
    private final Integer tail;
    private final Supplier<Future<Boolean>> running;
    private boolean closed;
    private boolean finalPass;
    private long timer = -1;
    private long lastCheck;

    /**
     * @param tail         how many of the last entries to start with, or null for all
     * @param stillRunning whether the container ran when the stream was asked for; if not, the file
     *                     is read once to its end even with follow
     * @param running      asks the engine whether the container still runs; a failed future counts as
     *                     no (e.g. the container was removed meanwhile)
     */
    LogStream(Vertx vertx, HttpServerResponse response, LogReader reader, boolean follow, Integer tail,
            boolean stillRunning, Supplier<Future<Boolean>> running) {
        this.vertx = vertx;
        this.response = response;
        this.reader = reader;
        this.follow = follow;
        this.tail = tail;
        this.running = running;
        this.finalPass = !stillRunning;
    }

    void start() {
        if (response.closed()) {
            closed = true;   // the client left while the engine was asked
            return;
        }
        response.setChunked(true).putHeader("Content-Type", "application/x-ndjson");
        response.closeHandler(v -> close(false));
        response.writeHead();
        lastCheck = System.nanoTime();
        if (tail == null) {
            step();
            return;
        }
        vertx.executeBlocking(() -> reader.tail(tail)).onComplete(ar -> {
            if (closed) {
                return;
            }
            if (ar.failed()) {
                fail(ar.cause());
                return;
            }
            write(ar.result());
            afterEndOfFile();
        });
    }

    /** Reads and writes the next chunk of complete lines. */
    private void step() {
        timer = -1;
        if (closed) {
            return;
        }
        vertx.executeBlocking(reader::next).onComplete(ar -> {
            if (closed) {
                return;
            }
            if (ar.failed()) {
                fail(ar.cause());
                return;
            }
            write(ar.result().lines());
            if (!ar.result().endOfFile()) {
                if (response.writeQueueFull()) {
                    response.drainHandler(v -> step());
                } else {
                    step();
                }
                return;
            }
            afterEndOfFile();
        });
    }

    /**
     * At the end of what is written so far: end (no follow, or this pass began after the container
     * stopped), or poll again, asking the engine once a second whether the container still runs.
     */
    private void afterEndOfFile() {
        if (!follow || finalPass) {
            close(true);
            return;
        }
        if (System.nanoTime() - lastCheck < RECHECK_MS * 1_000_000) {
            timer = vertx.setTimer(POLL_MS, id -> step());
            return;
        }
        lastCheck = System.nanoTime();
        running.get().onComplete(ar -> {
            if (closed) {
                return;
            }
            if (ar.failed() || !ar.result()) {
                finalPass = true;   // one more pass reads what it wrote before it stopped
                step();
            } else {
                timer = vertx.setTimer(POLL_MS, id -> step());
            }
        });
    }

    private void write(List<String> lines) {
        if (lines.isEmpty() || closed) {
            return;
        }
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append('\n');
        }
        response.write(text.toString());
    }

    private void fail(Throwable cause) {
        if (closed) {
            return;
        }
        StringBuilder line = new StringBuilder("{\"error\":");
        EnvelopeFormat.quote(line, "logs: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        response.write(line.append("}\n").toString());
        close(true);
    }

    private void close(boolean end) {
        if (closed) {
            return;
        }
        closed = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (end) {
            response.end();
        }
    }
}
