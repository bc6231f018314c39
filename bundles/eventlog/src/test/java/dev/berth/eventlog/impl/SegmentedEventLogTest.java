package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.LogFiles.appendNotes;
import static dev.berth.eventlog.impl.LogFiles.note;
import static dev.berth.eventlog.impl.LogFiles.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogHead;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentedEventLogTest {
    @TempDir
    Path dir;

    @Test
    void appendsAndReadsBackEveryField() throws Exception {
        List<EventDraft> drafts = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            String type = i % 3 == 0 ? "container.started" : i % 3 == 1 ? "image.pulled" : "note.added";
            drafts.add(new EventDraft(type, 1 + i % 2, "subject-" + i + "-ünï", "{\"n\":" + i
                    + ",\"text\":\"Grüße, 世界, 🐳 " + "x".repeat(i) + "\"}"));
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            List<EventRecord> appended = new ArrayList<>();
            for (EventDraft d : drafts) {
                appended.add(log.append(d).toCompletableFuture().join());
            }
            for (int i = 0; i < drafts.size(); i++) {
                EventRecord r = appended.get(i);
                EventDraft d = drafts.get(i);
                assertEquals(i + 1, r.sequence());
                assertEquals(d.type(), r.type());
                assertEquals(d.version(), r.version());
                assertEquals(d.subject(), r.subject());
                assertEquals(d.payload(), r.payload());
                assertEquals(i == 0 ? ChainHash.GENESIS : appended.get(i - 1).hash(), r.previousHash());
                if (i > 0) {
                    assertTrue(r.timeNanos() > appended.get(i - 1).timeNanos(), "times increase");
                }
            }
            LogFiles.assertSameRecords(appended, readAll(log, 1));
            EventRecord last = appended.get(appended.size() - 1);
            assertEquals(new LogHead(last.sequence(), last.timeNanos(), last.hash()), log.head());
            assertTrue(log.verify(1).intact());
        }
    }

    @Test
    void reopenReadsTheSameRecordsAndContinuesTheChain() throws Exception {
        List<EventRecord> written;
        LogHead head;
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            written = appendNotes(log, 50, "first run");
            head = log.head();
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            assertTrue(log.recovery().isEmpty());
            assertEquals(head, log.head());
            LogFiles.assertSameRecords(written, readAll(log, 1));
            EventRecord next = log.append(note("second run")).toCompletableFuture().join();
            assertEquals(51, next.sequence());
            assertEquals(head.hash(), next.previousHash());
            assertTrue(next.timeNanos() > head.timeNanos());
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            assertEquals(51, log.head().sequence());
            assertTrue(log.verify(1).intact());
        }
    }

    @Test
    void readStartsAtAnySequence() throws Exception {
        // Large payloads so the segment carries several sparse index entries to start from.
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            List<EventRecord> written = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                written.add(log.append(note(i + ":" + "p".repeat(4000))).toCompletableFuture().join());
            }
            for (int from = 1; from <= 300; from += 7) {
                LogFiles.assertSameRecords(written.subList(from - 1, 300), readAll(log, from));
            }
            assertEquals(List.of(written.get(299)), readAll(log, 300));
            assertEquals(List.of(), readAll(log, 301));
            assertThrows(IllegalArgumentException.class, () -> log.read(0));
        }
    }

    @Test
    void anEmptyLogHasTheEmptyHead() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            assertEquals(LogHead.EMPTY, log.head());
            assertEquals(List.of(), readAll(log, 1));
            assertEquals(1, log.firstSequenceAtOrAfter(Instant.EPOCH));
            assertTrue(log.verify(1).intact());
            assertEquals(List.of(dir.resolve("segment-00000000000000000001.log")), LogFiles.segments(dir));
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            assertEquals(LogHead.EMPTY, log.head());
            assertEquals(1, log.append(note("first")).toCompletableFuture().join().sequence());
        }
    }

    @Test
    void timestampsNeverDecreaseEvenWhenTheClockDoes() throws Exception {
        long base = 1_700_000_000_000_000_000L;
        long[] clock = {base, base - 5_000, base - 5_000, base + 10_000, base + 9_000};
        AtomicLong calls = new AtomicLong();
        InstantSource source = () -> {
            long nanos = clock[(int) Math.min(calls.getAndIncrement(), clock.length - 1)];
            return Instant.ofEpochSecond(0, nanos);
        };
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, SegmentedEventLog.Options.defaults().withClock(source))) {
            long[] times = appendNotes(log, 5, "clock").stream().mapToLong(EventRecord::timeNanos).toArray();
            assertArrayEquals(new long[] {base, base + 1, base + 2, base + 10_000, base + 10_001}, times);
        }
    }

    @Test
    void rollsOverIntoNewSegmentsAndReadsAcrossThem() throws Exception {
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults().withSegmentBytes(1024);
        List<EventRecord> written;
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            written = appendNotes(log, 100, "rolling");
            for (int from = 1; from <= 100; from++) {
                LogFiles.assertSameRecords(written.subList(from - 1, 100), readAll(log, from));
            }
        }
        List<Path> segments = LogFiles.segments(dir);
        assertTrue(segments.size() > 5, "expected many segments, got " + segments.size());
        for (Path segment : segments) {
            byte[] bytes = Files.readAllBytes(segment);
            ByteBuffer header = ByteBuffer.wrap(bytes);
            long first = header.getLong(8);
            assertEquals(SegmentFormat.fileName(first), segment.getFileName().toString());
            byte[] anchor = Arrays.copyOfRange(bytes, 16, 48);
            ChainHash expected = first == 1 ? ChainHash.GENESIS : written.get((int) first - 2).hash();
            assertEquals(expected, ChainHash.of(anchor));
            assertTrue(bytes.length <= 1024, segment + " has " + bytes.length + " bytes");
            assertEquals(first, ByteBuffer.wrap(bytes, 48 + 12, 8).getLong(), "first record of " + segment);
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            LogFiles.assertSameRecords(written, readAll(log, 1));
            assertEquals(101, log.append(note("after reopen")).toCompletableFuture().join().sequence());
        }
    }

    @Test
    void firstSequenceAtOrAfterFindsTheFirstRecordAtThatTime() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000_000L);
        InstantSource clock = () -> Instant.ofEpochSecond(0, now.get());
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults().withSegmentBytes(2048).withClock(clock);
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            List<EventRecord> written = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                now.addAndGet(i % 10 == 0 ? 1_000_000 : 1_000);
                written.add(log.append(note("timed " + i)).toCompletableFuture().join());
            }
            assertTrue(LogFiles.segments(dir).size() > 5);
            for (EventRecord r : written) {
                assertEquals(r.sequence(), log.firstSequenceAtOrAfter(r.time()), "at " + r.sequence());
                assertEquals(r.sequence(), log.firstSequenceAtOrAfter(r.time().minusNanos(1)), "before " + r.sequence());
                assertEquals(r.sequence() + 1, log.firstSequenceAtOrAfter(r.time().plusNanos(1)), "after " + r.sequence());
            }
            assertEquals(1, log.firstSequenceAtOrAfter(Instant.EPOCH));
            assertEquals(1, log.firstSequenceAtOrAfter(Instant.MIN));
            assertEquals(201, log.firstSequenceAtOrAfter(Instant.MAX));
        }
    }

    @Test
    void subscribersSeeEachDurableRecordOnceInOrder() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            List<EventRecord> seen = Collections.synchronizedList(new ArrayList<>());
            List<String> problems = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch all = new CountDownLatch(300);
            AutoCloseable subscription = log.subscribe(r -> {
                if (log.head().sequence() < r.sequence()) {
                    problems.add("head " + log.head().sequence() + " behind " + r.sequence());
                }
                seen.add(r);
                all.countDown();
            });
            log.subscribe(r -> {
                throw new IllegalStateException("a failing listener must not disturb the others");
            });
            CompletableFuture<EventRecord> lastDelivered = new CompletableFuture<>();
            log.subscribe(r -> {
                if (r.payload().contains("unseen")) {
                    lastDelivered.complete(r);
                }
            });
            List<CompletableFuture<EventRecord>> futures = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                futures.add(log.append(note("sub " + i)).toCompletableFuture());
            }
            List<EventRecord> written = futures.stream().map(CompletableFuture::join).toList();
            assertTrue(all.await(10, TimeUnit.SECONDS));
            subscription.close();
            log.append(note("unseen")).toCompletableFuture().join();
            // Listeners run in registration order, so once the last one has the record the closed one would have.
            assertEquals(301, lastDelivered.get(10, TimeUnit.SECONDS).sequence());
            LogFiles.assertSameRecords(written, List.copyOf(seen));
            assertEquals(List.of(), problems);
        }
    }

    @Test
    void aCompletedAppendHasReachedEveryListenerAndLaterListenersStartAfterIt() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            for (int i = 0; i < 50; i++) {
                List<EventRecord> seen = Collections.synchronizedList(new ArrayList<>());
                AutoCloseable subscription = log.subscribe(seen::add);
                EventRecord r = log.append(note("delivered " + i)).toCompletableFuture().join();
                assertEquals(List.of(r), List.copyOf(seen), "round " + i);
                subscription.close();
            }
        }
    }

    @Test
    void appendsAfterCloseFailAsUnavailable() throws Exception {
        SegmentedEventLog log = SegmentedEventLog.open(dir);
        log.append(note("before")).toCompletableFuture().join();
        log.close();
        log.close();
        CompletionException e = assertThrows(CompletionException.class,
                () -> log.append(note("after")).toCompletableFuture().join());
        BerthException cause = assertInstanceOf(BerthException.class, e.getCause());
        assertEquals(ErrorKind.UNAVAILABLE, cause.kind());
        assertEquals("event log is closed", cause.getMessage());
        assertEquals(1, log.head().sequence());
    }

    @Test
    void closeAcknowledgesEverythingQueuedBeforeIt() throws Exception {
        List<CompletableFuture<EventRecord>> futures = new ArrayList<>();
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            for (int i = 0; i < 2000; i++) {
                futures.add(log.append(note("queued " + i)).toCompletableFuture());
            }
        }
        for (int i = 0; i < futures.size(); i++) {
            assertEquals(i + 1, futures.get(i).getNow(null).sequence());
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            assertEquals(2000, log.head().sequence());
        }
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            BerthException e = assertThrows(BerthException.class, () -> SegmentedEventLog.open(dir));
            assertEquals(ErrorKind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("has it open"), e.getMessage());
            log.append(note("still works")).toCompletableFuture().join();
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            assertEquals(1, log.head().sequence());
        }
    }

    @Test
    void aCursorStopsAtTheHeadItWasOpenedAt() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            appendNotes(log, 10, "before");
            try (EventCursor cursor = log.read(1)) {
                appendNotes(log, 10, "after");
                int count = 0;
                while (cursor.hasNext()) {
                    assertEquals(++count, cursor.next().sequence());
                }
                assertEquals(10, count);
                assertFalse(cursor.hasNext());
            }
        }
    }

    @Test
    void listenersRunOnTheNamedDaemonWriterThread() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            CompletableFuture<Thread> writer = new CompletableFuture<>();
            log.subscribe(r -> writer.complete(Thread.currentThread()));
            log.append(note("start")).toCompletableFuture().join();
            Thread thread = writer.join();
            assertEquals(SegmentedEventLog.WRITER_THREAD, thread.getName());
            assertTrue(thread.isDaemon());
        }
    }

    private static void assertArrayEquals(long[] expected, long[] actual) {
        assertEquals(Arrays.toString(expected), Arrays.toString(actual));
    }
}
