package dev.berth.apiserver.stream;

import static dev.berth.apiserver.stream.StreamServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading, following, failures and clients that go away, for {@link LogFileStream} over a real HTTP connection. */
class LogFileStreamTest {
    /** Each line as it is, with a newline; a failure as one line naming it. */
    private static final LogFileStream.Format<String> LINES = new LogFileStream.Format<>() {
        @Override
        public Buffer entry(String line) {
            return Buffer.buffer(line + "\n");
        }

        @Override
        public Buffer failure(Throwable cause) {
            return Buffer.buffer("failed: " + cause.getMessage() + "\n");
        }
    };

    @TempDir
    Path folder;

    private Path file;
    private StreamServer server;

    @BeforeEach
    void start() throws Exception {
        server = new StreamServer();
        file = folder.resolve("c.log");
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private void append(String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** {@code count} lines of 99 characters and a newline each, numbered from {@code from}. */
    private static String lines(int from, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            String number = "line " + i + " ";
            text.append(number).append("x".repeat(99 - number.length())).append('\n');
        }
        return text.toString();
    }

    private StreamServer.Reading stream(LogFileReader<String> reader, LogFileStream.Format<String> format,
            Integer tail, boolean follow, boolean runningNow, Supplier<Future<Boolean>> running) throws Exception {
        return server.get(response -> new LogFileStream<>(server.vertx, response, reader, format, tail, follow,
                runningNow, running).start("text/plain"));
    }

    private StreamServer.Reading stream(Integer tail, boolean follow, boolean runningNow,
            Supplier<Future<Boolean>> running) throws Exception {
        return stream(new LogFileReader<>(file, line -> line), LINES, tail, follow, runningNow, running);
    }

    private static Supplier<Future<Boolean>> neverAsked() {
        return () -> {
            throw new AssertionError("asked whether the container runs");
        };
    }

    @Test
    void oneReadingPassWritesTheFileOrItsTailAndEnds() throws Exception {
        append(lines(0, 3000));

        StreamServer.Reading whole = stream(null, false, true, neverAsked());
        StreamServer.Reading tail = stream(2, false, true, neverAsked());
        StreamServer.Reading stopped = stream(null, true, false, neverAsked()); // follow, but it no longer runs

        whole.ended.get(10, TimeUnit.SECONDS);
        assertEquals(lines(0, 3000), whole.text(), "without follow, the whole file in several chunks");
        tail.ended.get(10, TimeUnit.SECONDS);
        assertEquals(lines(2998, 2), tail.text(), "tail starts with the last entries");
        stopped.ended.get(10, TimeUnit.SECONDS);
        assertEquals(lines(0, 3000), stopped.text(), "a stopped container is read once even with follow");
    }

    @Test
    void followingReadsUntilTheContainerStopsThenMakesOneFinalPass() throws Exception {
        append(lines(0, 2));
        AtomicBoolean runs = new AtomicBoolean(true);
        AtomicInteger asked = new AtomicInteger();
        Supplier<Future<Boolean>> running = () -> {
            asked.incrementAndGet();
            if (!runs.get()) {
                try {
                    append(lines(3, 1)); // what it wrote just before it stopped
                } catch (Exception e) {
                    return Future.failedFuture(e);
                }
            }
            return Future.succeededFuture(runs.get());
        };

        StreamServer.Reading reading = stream(null, true, true, running);
        await("the file so far", () -> reading.text().equals(lines(0, 2)));
        append(lines(2, 1));
        await("what was appended", () -> reading.text().equals(lines(0, 3)));
        await("a check whether it runs", () -> asked.get() >= 1);
        assertFalse(reading.ended.isDone(), "a followed stream stays open while the container runs");
        runs.set(false);

        reading.ended.get(10, TimeUnit.SECONDS);
        assertEquals(lines(0, 4), reading.text(), "the final pass reads what it wrote before it stopped");
    }

    @Test
    void aFailedRunningCheckCountsAsStopped() throws Exception {
        append(lines(0, 1));

        StreamServer.Reading reading = stream(null, true, true,
                () -> Future.failedFuture(new IllegalStateException("no such container")));

        reading.ended.get(10, TimeUnit.SECONDS);
        assertEquals(lines(0, 1), reading.text());
    }

    @Test
    void aReadFailureMidFileEndsTheStreamWithTheCallersFailure() throws Exception {
        append(lines(0, 1000) + "boom\n" + lines(1000, 5));
        LogFileReader<String> reader = new LogFileReader<>(file, line -> {
            if (line.equals("boom")) {
                throw new IllegalStateException("read c.log: boom");
            }
            return line;
        });

        StreamServer.Reading reading = stream(reader, LINES, null, true, true, neverAsked());

        reading.ended.get(10, TimeUnit.SECONDS);
        int firstChunk = LogFileReader.CHUNK / 100;
        assertEquals(lines(0, firstChunk) + "failed: read c.log: boom\n", reading.text(),
                "the chunk before the failure, then the failure; nothing of the failed chunk");
    }

    @Test
    void aFormatWithoutAFailureJustEndsTheStream() throws Exception {
        append("boom\n");
        LogFileStream.Format<String> silent = new LogFileStream.Format<>() {
            @Override
            public Buffer entry(String line) {
                return LINES.entry(line);
            }

            @Override
            public Buffer failure(Throwable cause) {
                return null;
            }
        };
        LogFileReader<String> reader = new LogFileReader<>(file, line -> {
            throw new IllegalStateException("boom");
        });

        StreamServer.Reading reading = stream(reader, silent, 5, false, true, neverAsked());

        reading.ended.get(10, TimeUnit.SECONDS);
        assertEquals("", reading.text());
    }

    @Test
    void aClientThatLeavesWhileFollowingStopsTheReading() throws Exception {
        append(lines(0, 1));
        AtomicInteger asked = new AtomicInteger();
        AtomicInteger read = new AtomicInteger();
        LogFileReader<String> reader = new LogFileReader<>(file, line -> {
            read.incrementAndGet();
            return line;
        });

        StreamServer.Reading reading = stream(reader, LINES, null, true, true, () -> {
            asked.incrementAndGet();
            return Future.succeededFuture(true);
        });
        await("the file so far", () -> reading.text().equals(lines(0, 1)));
        await("a check whether it runs", () -> asked.get() >= 1);
        reading.leave();
        Thread.sleep(2 * LogFileStream.POLL_MS);
        int askedWhenGone = asked.get();
        append(lines(1, 1));

        Thread.sleep(LogFileStream.RECHECK_MS + 5 * LogFileStream.POLL_MS);
        assertEquals(1, read.get(), "the line appended after the client left is not read");
        assertEquals(askedWhenGone, asked.get(), "nobody asks whether the container runs");
    }
}
