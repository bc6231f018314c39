package dev.berth.dockerapi.impl;

import dev.berth.api.container.AttachFrames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * Streams one {@code GET /containers/{id}/logs} answer from the container's log file (JSON lines
 * {@code {"time","stream","log"}} written by its monitor) in Docker's format: each entry as a multiplexed
 * frame (8-byte header naming stdout or stderr) or, for a container with a terminal, as raw bytes;
 * {@code timestamps} puts the entry's time before it. {@code since}/{@code until} bound the entry times,
 * {@code tail} keeps the last N entries. With {@code follow} the file is polled every {@value #POLL_MS} ms
 * and the engine asked every {@value #RECHECK_MS} ms whether the container still runs; once it does not,
 * the file is read to its end and the stream ends, as it does when the client goes away. The file is read
 * on worker threads, a line only once it is complete. Not thread-safe: every method runs on the request's
 * event loop; the reads are handed to workers one at a time.
 */
final class ContainerLogs {
    static final long POLL_MS = 100;
    static final long RECHECK_MS = 1000;
    /** Bytes read per step at most; a longer single line is read whole up to {@link #MAX_LINE}. */
    private static final int CHUNK = 64 * 1024;
    private static final int MAX_LINE = 1024 * 1024;

    /** What the request asked for. */
    record Options(boolean stdout, boolean stderr, boolean follow, Instant since, Instant until, boolean timestamps,
            Integer tail, boolean tty) {
    }

    private final Vertx vertx;
    private final HttpServerResponse response;
    private final Path file;
    private final Options options;
    private final Supplier<Future<Boolean>> running;
    private long offset;
    private boolean closed;
    private boolean finalPass;
    private long timer = -1;
    private long lastCheck;

    /**
     * @param runningNow whether the container ran when the logs were asked for (if not, one pass to the end)
     * @param running    asks the engine whether it still runs; a failure counts as no
     */
    ContainerLogs(Vertx vertx, HttpServerResponse response, Path file, Options options, boolean runningNow,
            Supplier<Future<Boolean>> running) {
        this.vertx = vertx;
        this.response = response;
        this.file = file;
        this.options = options;
        this.running = running;
        this.finalPass = !runningNow;
    }

    void start() {
        if (response.closed()) {
            return;
        }
        response.setChunked(true).setStatusCode(200)
                .putHeader("Content-Type", options.tty() ? HijackedStreams.RAW : HijackedStreams.MULTIPLEXED);
        response.closeHandler(v -> close(false));
        response.writeHead();
        lastCheck = System.nanoTime();
        if (options.tail() == null) {
            step();
            return;
        }
        vertx.executeBlocking(this::tail, false).onComplete(ar -> {
            if (closed) {
                return;
            }
            if (ar.failed()) {
                close(true);
                return;
            }
            write(ar.result());
            afterEndOfFile();
        });
    }

    /** Reads to the end of the file, keeping only the last {@code tail} entries that pass the filters. */
    private Buffer tail() throws IOException {
        ArrayDeque<Buffer> last = new ArrayDeque<>();
        int keep = options.tail();
        while (true) {
            Chunk chunk = read();
            for (Buffer entry : chunk.entries()) {
                if (keep > 0) {
                    if (last.size() == keep) {
                        last.removeFirst();
                    }
                    last.addLast(entry);
                }
            }
            if (chunk.endOfFile()) {
                Buffer out = Buffer.buffer();
                last.forEach(out::appendBuffer);
                return out;
            }
        }
    }

    private void step() {
        timer = -1;
        if (closed) {
            return;
        }
        vertx.executeBlocking(this::read, false).onComplete(ar -> {
            if (closed) {
                return;
            }
            if (ar.failed()) {
                close(true);
                return;
            }
            Buffer out = Buffer.buffer();
            ar.result().entries().forEach(out::appendBuffer);
            write(out);
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

    private void afterEndOfFile() {
        if (!options.follow() || finalPass) {
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

    private void write(Buffer out) {
        if (out.length() > 0 && !closed) {
            response.write(out);
        }
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

    // ---- the file, on worker threads -------------------------------------------------------------------

    /** Entries read by one step, formatted, and whether nothing complete was left after them. */
    record Chunk(java.util.List<Buffer> entries, boolean endOfFile) {
    }

    /** The next complete lines after the offset, formatted; a missing file is empty. */
    private Chunk read() throws IOException {
        java.util.List<Buffer> entries = new java.util.ArrayList<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < offset) {
                offset = 0; // the file was replaced
            }
            long available = size - offset;
            if (available == 0) {
                return new Chunk(entries, true);
            }
            byte[] bytes = bytes(channel, offset, (int) Math.min(available, CHUNK));
            int end = lastNewline(bytes);
            if (end < 0 && bytes.length < available) {
                bytes = bytes(channel, offset, (int) Math.min(available, MAX_LINE + 1L));
                end = lastNewline(bytes);
                if (end < 0 && bytes.length > MAX_LINE) {
                    offset += bytes.length; // one line longer than any the monitor writes: skipped
                    return new Chunk(entries, false);
                }
            }
            if (end < 0) {
                return new Chunk(entries, true);
            }
            int start = 0;
            for (int i = 0; i <= end; i++) {
                if (bytes[i] == '\n') {
                    Buffer entry = entry(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                    if (entry != null) {
                        entries.add(entry);
                    }
                    start = i + 1;
                }
            }
            offset += end + 1;
            return new Chunk(entries, offset == size);
        } catch (NoSuchFileException e) {
            return new Chunk(entries, true);
        }
    }

    /** One log line as Docker's bytes, or null when it is filtered out or unreadable. */
    Buffer entry(String line) {
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

    private static byte[] bytes(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) >= 0) {
            // keep reading
        }
        byte[] bytes = new byte[buffer.position()];
        buffer.flip().get(bytes);
        return bytes;
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
