package dev.berth.apiserver.stream;

import static dev.berth.apiserver.stream.StreamServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** History, live records, early ends and failures of {@link EventLogStream} through a real HTTP connection. */
class EventLogStreamTest {
    /** Each record as its sequence on a line; records whose sequence is a multiple of 1000 left out. */
    private static final EventLogStream.Format LINES = new EventLogStream.Format() {
        @Override
        public String record(EventRecord record) {
            return record.sequence() % 1000 == 0 ? "" : record.sequence() + "\n";
        }

        @Override
        public String failure(Throwable cause) {
            return "failed: " + cause.getMessage() + "\n";
        }
    };

    private final ListLog log = new ListLog();
    private StreamServer server;

    @BeforeEach
    void start() throws Exception {
        server = new StreamServer();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private StreamServer.Reading stream(ToLongFunction<EventLog> history, Instant until, boolean follow)
            throws Exception {
        return server.get(response -> {
            response.setChunked(true).writeHead();
            new EventLogStream(server.vertx, log, response, LINES, history, until, follow).start();
        });
    }

    private static String lines(long from, long to) {
        StringBuilder text = new StringBuilder();
        for (long sequence = from; sequence <= to; sequence++) {
            if (sequence % 1000 != 0) {
                text.append(sequence).append('\n');
            }
        }
        return text.toString();
    }

    /** Asserts that exactly one cursor was opened and closed, on a worker thread. */
    private void assertCursorClosedOnAWorker() throws InterruptedException {
        await("the cursor closed", () -> !log.closedOn.isEmpty());
        assertEquals(1, log.closedOn.size(), log.closedOn.toString());
        assertTrue(log.closedOn.get(0).startsWith("vert.x-worker-thread"), log.closedOn.toString());
    }

    @Test
    void historyComesInChunksAndTheStreamEndsWithoutFollow() throws Exception {
        log.append(2600);

        StreamServer.Reading reading = stream(l -> 1, null, false);

        reading.ended.get(10, TimeUnit.SECONDS);
        assertEquals(lines(1, 2600), reading.text(), "every record once, in order, the left-out ones missing");
        assertCursorClosedOnAWorker();
        assertTrue(log.listeners.isEmpty(), "no subscription without follow");
    }

    @Test
    void historyStartsWhereTheCallerSays() throws Exception {
        log.append(10);

        StreamServer.Reading reading = stream(l -> l.firstSequenceAtOrAfter(Instant.ofEpochSecond(4)), null, false);

        reading.ended.get(10, TimeUnit.SECONDS);
        assertEquals(lines(4, 10), reading.text());
    }

    @Test
    void liveRecordsFollowHistoryWithoutGapOrDuplicate() throws Exception {
        log.append(300);
        AtomicBoolean once = new AtomicBoolean();
        // Appended after the subscription and before the history snapshot: seen by both, written once.
        log.beforeRead = () -> {
            if (once.compareAndSet(false, true)) {
                log.append(2);
            }
        };

        StreamServer.Reading reading = stream(l -> 1, null, true);
        await("history", () -> reading.text().equals(lines(1, 302)));
        log.append(3);
        await("live records", () -> reading.text().equals(lines(1, 305)));

        assertFalse(reading.ended.isDone(), "a followed stream stays open");
        assertCursorClosedOnAWorker();
    }

    @Test
    void withoutHistoryOnlyWhatIsAppendedFromNowOnIsWritten() throws Exception {
        log.append(5);

        StreamServer.Reading reading = stream(null, null, true);
        await("the subscription", () -> log.listeners.size() == 1);
        log.append(2);

        await("live records", () -> reading.text().equals(lines(6, 7)));
        assertTrue(log.closedOn.isEmpty(), "no cursor without history");
    }

    @Test
    void aRecordPastUntilStopsTheStreamEarly() throws Exception {
        log.append(600);

        StreamServer.Reading reading = stream(l -> 1, Instant.ofEpochSecond(100), true);

        reading.ended.get(10, TimeUnit.SECONDS);
        assertEquals(lines(1, 100), reading.text(), "nothing after the first record past until");
        assertCursorClosedOnAWorker();
        await("the subscription released", log.listeners::isEmpty);
    }

    @Test
    void untilPassingWhileFollowingEndsTheStream() throws Exception {
        log.append(3);

        StreamServer.Reading reading = stream(l -> 1, Instant.now().plusMillis(300), true);

        reading.ended.get(10, TimeUnit.SECONDS);
        assertEquals(lines(1, 3), reading.text());
        await("the subscription released", log.listeners::isEmpty);
    }

    @Test
    void aReadFailureMidHistoryEndsTheStreamWithTheCallersFailure() throws Exception {
        log.append(600);
        log.failAt = 300;

        StreamServer.Reading reading = stream(l -> 1, null, true);

        reading.ended.get(10, TimeUnit.SECONDS);
        assertEquals(lines(1, EventLogStream.CHUNK) + "failed: read record 300: CRC mismatch\n", reading.text(),
                "the chunks before the failure, then the failure; nothing of the failed chunk");
        assertCursorClosedOnAWorker();
        await("the subscription released", log.listeners::isEmpty);
    }

    @Test
    void aFailureToOpenHistoryEndsTheStreamWithTheCallersFailure() throws Exception {
        StreamServer.Reading reading = stream(l -> {
            throw new IllegalStateException("the log is closed");
        }, null, true);

        reading.ended.get(10, TimeUnit.SECONDS);
        assertEquals("failed: the log is closed\n", reading.text());
        await("the subscription released", log.listeners::isEmpty);
    }

    @Test
    void aClientThatLeavesWhileFollowingReleasesTheLog() throws Exception {
        log.append(5);

        StreamServer.Reading reading = stream(l -> 1, null, true);
        await("history", () -> reading.text().equals(lines(1, 5)));
        assertEquals(1, log.listeners.size());
        reading.leave();

        await("the subscription released", log.listeners::isEmpty);
        log.append(1); // nobody listens; nothing is written to the closed response
        assertCursorClosedOnAWorker();
        assertEquals(List.of(), log.listeners);
    }
}
