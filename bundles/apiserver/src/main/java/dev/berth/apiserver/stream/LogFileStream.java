package dev.berth.apiserver.stream;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.function.Supplier;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Streams a container's log file into one HTTP response: the whole file (or its last {@code tail} entries)
 * read to its end on worker threads through a {@link LogFileReader}, with the response's back-pressure
 * honoured; with {@code follow}, the file is then polled every {@value #POLL_MS} ms and the caller asked every
 * {@value #RECHECK_MS} ms whether the container still runs; once it does not, one final pass reads what it
 * wrote before it stopped, and the stream ends. A client that goes away stops it; a read failure ends it with
 * what the caller's {@link Format} writes last. Not thread-safe: every method runs on the request's event-loop
 * context; the reads are handed to workers one at a time.
 *
 * @param <T> what the reader makes of one line
 */
public final class LogFileStream<T> {
    /** How often a followed file is read again. */
    public static final long POLL_MS = 100;
    /** How often, while following, the caller is asked whether the container still runs. */
    public static final long RECHECK_MS = 1000;

    /** How one caller writes the stream: what one entry becomes, and what a failure writes last. */
    @ConsumerType
    public interface Format<T> {
        /** The bytes for one entry. Called on the event loop, in file order. */
        Buffer entry(T entry);

        /** The bytes written last when reading the file fails, or null to just end the stream. */
        Buffer failure(Throwable cause);
    }

    private final Vertx vertx;
    private final HttpServerResponse response;
    private final LogFileReader<T> reader;
    private final Format<T> format;
    private final Integer tail;
    private final boolean follow;
    private final Supplier<Future<Boolean>> running;
    private boolean closed;
    private boolean finalPass;
    private long timer = -1;
    private long lastCheck;

    /**
     * @param response   the response to stream into; this stream sends its head, writes, ends and watches it
     * @param tail       how many of the last entries to start with, or null for all
     * @param follow     whether to go on reading while the container runs
     * @param runningNow whether the container ran when the stream was asked for; if not, the file is read once
     *                   to its end even with follow
     * @param running    asks whether the container still runs; a failed future counts as no (e.g. the
     *                   container was removed meanwhile)
     */
    public LogFileStream(Vertx vertx, HttpServerResponse response, LogFileReader<T> reader, Format<T> format,
            Integer tail, boolean follow, boolean runningNow, Supplier<Future<Boolean>> running) {
        this.vertx = vertx;
        this.response = response;
        this.reader = reader;
        this.format = format;
        this.tail = tail;
        this.follow = follow;
        this.running = running;
        this.finalPass = !runningNow;
    }

    /**
     * Sends the status line and headers (200, chunked, {@code contentType}) and starts reading, unless the
     * client has already gone. Call it on the request's context.
     */
    public void start(String contentType) {
        if (response.closed()) {
            closed = true; // the client left while the engine was asked
            return;
        }
        response.setChunked(true).setStatusCode(200).putHeader("Content-Type", contentType);
        response.closeHandler(v -> close(false));
        response.writeHead();
        lastCheck = System.nanoTime();
        if (tail == null) {
            step();
            return;
        }
        int count = tail;
        vertx.executeBlocking(() -> reader.tail(count), false).onComplete(ar -> {
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
        vertx.executeBlocking(reader::next, false).onComplete(ar -> {
            if (closed) {
                return;
            }
            if (ar.failed()) {
                fail(ar.cause());
                return;
            }
            write(ar.result().entries());
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
     * stopped), or poll again, asking once a second whether the container still runs.
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
                finalPass = true; // one more pass reads what it wrote before it stopped
                step();
            } else {
                timer = vertx.setTimer(POLL_MS, id -> step());
            }
        });
    }

    private void write(List<T> entries) {
        if (entries.isEmpty() || closed) {
            return;
        }
        Buffer out = Buffer.buffer();
        for (T entry : entries) {
            out.appendBuffer(format.entry(entry));
        }
        if (out.length() > 0) {
            response.write(out);
        }
    }

    private void fail(Throwable cause) {
        if (closed) {
            return;
        }
        Buffer last = format.failure(cause);
        if (last != null && !response.ended()) {
            response.write(last);
        }
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
        if (end && !response.ended()) {
            response.end();
        }
    }
}
