package dev.berth.api.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promises of {@link EventLog} as a test suite that every implementation runs by extending this class
 * and saying how to open and close a log on a directory (containerd's {@code core/snapshots/testsuite},
 * Axon's {@code StorageEngineTestSuite}). It checks only what the interface and its record types promise:
 * numbering, the envelope, the hash chain, the head, cursors, listeners, concurrent appends, durability
 * across a reopen and refusal after close. File layout, recovery, corruption and segment rollover belong to
 * each implementation's own tests.
 *
 * <p>Each test works in a fresh temporary directory and closes every log it opened. Not thread-safe: JUnit
 * runs one test per instance.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public abstract class EventLogContract {
    /** How long any single acknowledgement or delivery may take before a case fails. */
    private static final long WAIT_SECONDS = 10;
    private static final String TYPE = "contract.appended";

    /** The directory every log of one test lives in, empty when the test starts. */
    @TempDir
    Path directory;

    private final List<EventLog> openLogs = new ArrayList<>();

    /**
     * Opens (creating if needed) the log kept in {@code directory}. Opening a directory again after
     * {@link #close} must show every record acknowledged before the close.
     */
    protected abstract EventLog open(Path directory) throws Exception;

    /** Closes {@code log}: it acknowledges or fails what was queued, then refuses appends and releases the directory. */
    protected abstract void close(EventLog log) throws Exception;

    @AfterEach
    void closeLogsLeftOpen() throws Exception {
        Exception failure = null;
        for (EventLog log : List.copyOf(openLogs)) {
            try {
                close(log);
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        openLogs.clear();
        if (failure != null) {
            throw failure;
        }
    }

    // ---------------------------------------------------------------- numbering, envelope, chain, head

    @Test
    void sequencesStartAtOneAndAreContiguous() throws Exception {
        EventLog log = openLog();
        List<EventRecord> acknowledged = new ArrayList<>(appendEach(log, "one-by-one", 10));
        acknowledged.addAll(appendPipelined(log, "pipelined", 30));

        List<Long> expected = LongStream.rangeClosed(1, 40).boxed().toList();
        assertEquals(expected, acknowledged.stream().map(EventRecord::sequence).toList(), "acknowledged sequences");
        assertEquals(expected, readAll(log, 1).stream().map(EventRecord::sequence).toList(), "sequences read back");
    }

    @Test
    void everyFieldRoundTripsAndTimeNeverDecreases() throws Exception {
        List<EventDraft> drafts = List.of(
                new EventDraft("container.started", 1, "c0ffee", "{}"),
                new EventDraft("image.pulled", 2, "sha256:" + "ab".repeat(32),
                        "{\"reference\":\"127.0.0.1:5000/busybox:latest\",\"layers\":[1,2,3],\"ok\":true}"),
                new EventDraft("note.added", 3, "Grüße 世界 🐳",
                        "{\"message\":\"Grüße, 世界, 🐳 𝄞 \\\"quoted\\\" back\\\\slash\",\"empty\":\"\"}"),
                new EventDraft("plugin.swapped", 7, "crun", "{\n  \"from\": \"runc\",\n\t\"to\": \"crun\"\n}"),
                new EventDraft("note.added", 1, "ü".repeat(EventDraft.MAX_SUBJECT_BYTES / 2), largestPayload()));
        assertEquals(EventDraft.MAX_PAYLOAD_BYTES, drafts.get(4).payload().getBytes(StandardCharsets.UTF_8).length);
        assertEquals(EventDraft.MAX_SUBJECT_BYTES, drafts.get(4).subject().getBytes(StandardCharsets.UTF_8).length);

        EventLog log = openLog();
        List<EventRecord> acknowledged = new ArrayList<>();
        for (EventDraft d : drafts) {
            acknowledged.add(append(log, d));
        }
        acknowledged.addAll(appendPipelined(log, "pipelined", 50));

        for (int i = 0; i < drafts.size(); i++) {
            EventDraft d = drafts.get(i);
            EventRecord r = acknowledged.get(i);
            String what = "record #" + r.sequence();
            assertEquals(d.type(), r.type(), what + " type");
            assertEquals(d.version(), r.version(), what + " version");
            assertEquals(d.subject(), r.subject(), what + " subject");
            assertTrue(d.payload().equals(r.payload()), what + " payload differs from the draft's");
        }
        List<EventRecord> read = readAll(log, 1);
        assertRecordsEqual(acknowledged, read, "read(1) against the acknowledged records");
        for (int i = 1; i < read.size(); i++) {
            long before = read.get(i - 1).timeNanos();
            long at = read.get(i).timeNanos();
            assertTrue(at >= before, "time of #" + (i + 1) + " (" + at + ") is before that of #" + i + " (" + before + ")");
        }
    }

    @Test
    void theFirstRecordPointsToGenesisAndEachLaterOneToTheHashBeforeIt() throws Exception {
        EventLog log = openLog();
        // The same draft every time: only the chain can tell the records' hashes apart.
        EventDraft same = draft("same", 0);
        List<EventRecord> acknowledged = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            acknowledged.add(append(log, same));
        }
        List<CompletableFuture<EventRecord>> pending = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pending.add(log.append(same).toCompletableFuture());
        }
        for (CompletableFuture<EventRecord> f : pending) {
            acknowledged.add(f.get(WAIT_SECONDS, TimeUnit.SECONDS));
        }

        assertEquals(ChainHash.GENESIS, acknowledged.get(0).previousHash(), "previousHash of #1");
        Set<ChainHash> hashes = new HashSet<>(Set.of(ChainHash.GENESIS));
        for (int i = 0; i < acknowledged.size(); i++) {
            EventRecord r = acknowledged.get(i);
            if (i > 0) {
                assertEquals(acknowledged.get(i - 1).hash(), r.previousHash(), "previousHash of #" + r.sequence());
            }
            assertTrue(hashes.add(r.hash()), "hash of #" + r.sequence() + " repeats an earlier hash or GENESIS");
        }
        assertRecordsEqual(acknowledged, readAll(log, 1), "read(1) against the acknowledged chain");
    }

    @Test
    void theHeadIsTheLastAcknowledgedRecordAndEmptyOnAnEmptyLog() throws Exception {
        EventLog log = openLog();
        assertEquals(LogHead.EMPTY, log.head(), "head of an empty log");
        for (int i = 0; i < 20; i++) {
            EventRecord r = append(log, draft("head", i));
            assertEquals(headOf(r), log.head(), "head after acknowledging #" + r.sequence());
        }
        List<EventRecord> pipelined = appendPipelined(log, "head", 30);
        assertEquals(headOf(pipelined.get(pipelined.size() - 1)), log.head(), "head after pipelined appends");
    }

    // ---------------------------------------------------------------- reading

    @Test
    void readStartsExactlyAtTheRequestedSequence() throws Exception {
        EventLog log = openLog();
        List<EventRecord> acknowledged = appendPipelined(log, "read", 40);
        for (int from = 1; from <= 40; from++) {
            assertRecordsEqual(acknowledged.subList(from - 1, 40), readAll(log, from), "read(" + from + ")");
        }
    }

    @Test
    void aCursorStopsAtTheHeadAtTheTimeOfTheCall() throws Exception {
        EventLog log = openLog();
        List<EventRecord> before = appendEach(log, "before", 10);
        List<EventRecord> after;
        try (EventCursor fromStart = log.read(1); EventCursor fromMiddle = log.read(6);
                EventCursor partlyRead = log.read(1)) {
            List<EventRecord> firstThree = List.of(partlyRead.next(), partlyRead.next(), partlyRead.next());
            after = appendPipelined(log, "after", 10);

            assertRecordsEqual(before, drain(fromStart), "cursor read(1) opened at head 10");
            assertRecordsEqual(before.subList(5, 10), drain(fromMiddle), "cursor read(6) opened at head 10");
            assertRecordsEqual(before.subList(0, 3), firstThree, "cursor read(1) before the later appends");
            assertRecordsEqual(before.subList(3, 10), drain(partlyRead), "cursor read(1) after the later appends");
            assertThrows(NoSuchElementException.class, fromStart::next, "next() on an exhausted cursor");
        }
        List<EventRecord> all = new ArrayList<>(before);
        all.addAll(after);
        assertRecordsEqual(all, readAll(log, 1), "a cursor opened after the later appends");
    }

    @Test
    void readingBeyondTheHeadIsEmpty() throws Exception {
        EventLog log = openLog();
        try (EventCursor empty = log.read(1)) {
            assertFalse(empty.hasNext(), "read(1) on an empty log has a record");
            assertThrows(NoSuchElementException.class, empty::next, "next() on read(1) of an empty log");
        }
        appendEach(log, "beyond", 5);
        try (EventCursor justPast = log.read(6); EventCursor farPast = log.read(1_000)) {
            appendEach(log, "later", 5);
            assertFalse(justPast.hasNext(), "read(6) opened at head 5 returns a record appended after it");
            assertThrows(NoSuchElementException.class, justPast::next, "next() on read(6) opened at head 5");
            assertFalse(farPast.hasNext(), "read(1000) opened at head 5 has a record");
        }
        assertEquals(List.of(10L), readAll(log, 10).stream().map(EventRecord::sequence).toList(), "read(head)");
        assertEquals(List.of(), readAll(log, 11), "read(head + 1)");
        assertEquals(List.of(), readAll(log, Long.MAX_VALUE), "read(Long.MAX_VALUE)");
    }

    @Test
    void acknowledgedRecordsSurviveCloseAndReopenAndTheChainContinues() throws Exception {
        EventLog fresh = openLog();
        closeLog(fresh);
        EventLog first = openLog();
        assertEquals(LogHead.EMPTY, first.head(), "head after reopening a log that was never appended to");
        assertEquals(List.of(), readAll(first, 1), "records after reopening a log that was never appended to");

        List<EventRecord> acknowledged = new ArrayList<>(appendEach(first, "first run", 5));
        acknowledged.addAll(appendPipelined(first, "first run", 20));
        LogHead head = first.head();
        closeLog(first);

        EventLog second = openLog();
        assertEquals(head, second.head(), "head after reopen");
        assertRecordsEqual(acknowledged, readAll(second, 1), "records after reopen");
        EventRecord next = append(second, draft("second run", 0));
        assertEquals(head.sequence() + 1, next.sequence(), "sequence of the first append after reopen");
        assertEquals(head.hash(), next.previousHash(), "previousHash of the first append after reopen");
        assertTrue(next.timeNanos() >= head.timeNanos(), "time went back across the reopen");
        assertFalse(acknowledged.stream().anyMatch(r -> r.hash().equals(next.hash())), "hash after reopen repeats");
        closeLog(second);

        EventLog third = openLog();
        acknowledged.add(next);
        assertEquals(headOf(next), third.head(), "head after the second reopen");
        assertRecordsEqual(acknowledged, readAll(third, 1), "records after the second reopen");
    }

    // ---------------------------------------------------------------- listeners

    @Test
    void aListenerSeesEveryLaterRecordOnceInOrderAndNothingAfterItsHandleIsClosed() throws Exception {
        EventLog log = openLog();
        appendEach(log, "before subscribing", 5);
        List<EventRecord> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch delivered = new CountDownLatch(60);
        AutoCloseable handle = log.subscribe(r -> {
            seen.add(r);
            delivered.countDown();
        });
        List<EventRecord> appended = new ArrayList<>(appendEach(log, "subscribed", 10));
        appended.addAll(appendPipelined(log, "subscribed", 50));
        assertTrue(delivered.await(WAIT_SECONDS, TimeUnit.SECONDS), "listener saw " + seen.size() + " of 60 records");
        assertRecordsEqual(appended, snapshot(seen), "records the listener saw");

        handle.close();
        // A listener subscribed now tells when the records after the close have been delivered.
        CountDownLatch laterDelivered = new CountDownLatch(10);
        log.subscribe(r -> laterDelivered.countDown());
        appendPipelined(log, "unsubscribed", 10);
        assertTrue(laterDelivered.await(WAIT_SECONDS, TimeUnit.SECONDS), "a live listener missed records");
        assertRecordsEqual(appended, snapshot(seen), "records the listener saw, after its handle was closed");
    }

    @Test
    void aCompletedAppendHasAlreadyReachedEveryEarlierListener() throws Exception {
        EventLog log = openLog();
        // One by one: a listener subscribed just before an append has exactly that record when its stage completes.
        for (int i = 0; i < 20; i++) {
            List<EventRecord> seen = Collections.synchronizedList(new ArrayList<>());
            AutoCloseable handle = log.subscribe(seen::add);
            EventRecord r = append(log, draft("one-by-one", i));
            assertRecordsEqual(List.of(r), snapshot(seen), "listener subscribed before #" + r.sequence()
                    + ", when its stage completed");
            handle.close();
        }
        // Pipelined: check each record at the moment its stage completes, with two listeners registered.
        Set<Long> first = ConcurrentHashMap.newKeySet();
        Set<Long> second = ConcurrentHashMap.newKeySet();
        log.subscribe(r -> first.add(r.sequence()));
        log.subscribe(r -> second.add(r.sequence()));
        List<String> notYetSeen = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            checks.add(log.append(draft("pipelined", i)).toCompletableFuture().thenAccept(r -> {
                if (!first.contains(r.sequence()) || !second.contains(r.sequence())) {
                    notYetSeen.add("#" + r.sequence());
                }
            }));
        }
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(List.of(), snapshot(notYetSeen), "records whose stage completed before a listener saw them");
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    void concurrentAppendersGetOneGaplessOrderThatKeepsEachThreadsOwnOrder() throws Exception {
        int threads = 16;
        int each = 200;
        int total = threads * each;
        EventLog log = openLog();
        ConcurrentLinkedQueue<EventRecord> heard = new ConcurrentLinkedQueue<>();
        CountDownLatch allHeard = new CountDownLatch(total);
        log.subscribe(r -> {
            heard.add(r);
            allHeard.countDown();
        });

        List<List<CompletableFuture<EventRecord>>> submitted = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> appenders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<CompletableFuture<EventRecord>> futures = new ArrayList<>();
            submitted.add(futures);
            int appender = t;
            // Half the appenders wait for each acknowledgement, half submit everything before waiting.
            boolean waitsForEach = t % 2 == 0;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        CompletableFuture<EventRecord> f = log.append(draft("appender-" + appender, i)).toCompletableFuture();
                        futures.add(f);
                        if (waitsForEach) {
                            f.get(WAIT_SECONDS, TimeUnit.SECONDS);
                        }
                    }
                } catch (Exception | AssertionError e) {
                    failures.add(e);
                }
            }, "contract-appender-" + t);
            appenders.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : appenders) {
            thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            assertFalse(thread.isAlive(), thread.getName() + " did not finish");
        }
        assertEquals(List.of(), List.copyOf(failures), "appender failures");

        EventRecord[] bySequence = new EventRecord[total + 1];
        for (int t = 0; t < threads; t++) {
            long previous = 0;
            for (int i = 0; i < each; i++) {
                EventRecord r = submitted.get(t).get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
                String what = "appender " + t + " event " + i + " (#" + r.sequence() + ")";
                assertEquals(draft("appender-" + t, i).payload(), r.payload(), what + " payload");
                assertEquals("appender-" + t, r.subject(), what + " subject");
                assertTrue(r.sequence() > previous, what + " comes before the thread's previous event #" + previous);
                previous = r.sequence();
                assertTrue(r.sequence() >= 1 && r.sequence() <= total, what + " is outside 1.." + total);
                assertNull(bySequence[(int) r.sequence()], what + " was given to another event too");
                bySequence[(int) r.sequence()] = r;
            }
        }
        // total distinct sequences in 1..total: no gap either.
        assertEquals(total, log.head().sequence(), "head after all appends");

        List<EventRecord> read = readAll(log, 1);
        assertEquals(total, read.size(), "records read back");
        for (int i = 0; i < total; i++) {
            EventRecord r = read.get(i);
            assertEquals(bySequence[i + 1], r, "record read at position " + (i + 1));
            assertEquals(i == 0 ? ChainHash.GENESIS : read.get(i - 1).hash(), r.previousHash(),
                    "previousHash of #" + r.sequence());
        }
        assertTrue(allHeard.await(WAIT_SECONDS, TimeUnit.SECONDS), "listener heard " + heard.size() + " of " + total);
        assertRecordsEqual(read, List.copyOf(heard), "the order the listener heard");
    }

    // ---------------------------------------------------------------- time lookup

    @Test
    void firstSequenceAtOrAfterFindsTheFirstRecordAtOrAfterTheTime() throws Exception {
        EventLog log = openLog();
        for (Instant t : List.of(Instant.MIN, Instant.EPOCH, Instant.now(), Instant.MAX)) {
            assertEquals(1, log.firstSequenceAtOrAfter(t), "on an empty log, at " + t);
        }
        // Three bursts some milliseconds apart, so the log has records at distinct times.
        List<EventRecord> records = new ArrayList<>();
        for (int burst = 0; burst < 3; burst++) {
            if (burst > 0) {
                Thread.sleep(5);
            }
            records.addAll(appendEach(log, "burst-" + burst, 5));
            records.addAll(appendPipelined(log, "burst-" + burst, 5));
        }
        EventRecord first = records.get(0);
        EventRecord last = records.get(records.size() - 1);
        assertTrue(first.timeNanos() < last.timeNanos(), "records appended milliseconds apart all have time " + first.time());

        assertEquals(1, log.firstSequenceAtOrAfter(first.time().minusNanos(1)), "just before the first record");
        assertEquals(1, log.firstSequenceAtOrAfter(Instant.MIN), "at Instant.MIN");
        assertEquals(last.sequence() + 1, log.firstSequenceAtOrAfter(last.time().plusNanos(1)), "just after the last record");
        assertEquals(last.sequence() + 1, log.firstSequenceAtOrAfter(Instant.MAX), "at Instant.MAX");
        int between = 0;
        for (int i = 1; i < records.size(); i++) {
            EventRecord earlier = records.get(i - 1);
            EventRecord later = records.get(i);
            if (earlier.timeNanos() < later.timeNanos()) {
                between++;
                assertEquals(later.sequence(), log.firstSequenceAtOrAfter(earlier.time().plusNanos(1)),
                        "just after #" + earlier.sequence() + ", before or at #" + later.sequence());
            }
        }
        assertTrue(between > 0, "no two records have different times");
        for (EventRecord r : records) {
            for (Instant t : List.of(r.time().minusNanos(1), r.time(), r.time().plusNanos(1))) {
                assertEquals(firstAtOrAfter(records, t), log.firstSequenceAtOrAfter(t),
                        "at " + t + " (#" + r.sequence() + " is at " + r.time() + ")");
            }
        }
    }

    // ---------------------------------------------------------------- closing

    @Test
    void appendsAfterCloseFailAsUnavailable() throws Exception {
        EventLog log = openLog();
        append(log, draft("close", 0));
        closeLog(log);

        CompletionStage<EventRecord> stage = log.append(draft("close", 1));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> stage.toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS),
                "an append after close did not fail");
        BerthException cause = assertInstanceOf(BerthException.class, unwrap(e), "the failure of an append after close");
        assertEquals(ErrorKind.UNAVAILABLE, cause.kind(), cause.getMessage());

        EventLog reopened = openLog();
        assertEquals(1, reopened.head().sequence(), "the refused append left a record behind");
    }

    // ---------------------------------------------------------------- helpers

    private EventLog openLog() throws Exception {
        EventLog log = open(directory);
        assertNotNull(log, "open(" + directory + ") returned null");
        openLogs.add(log);
        return log;
    }

    private void closeLog(EventLog log) throws Exception {
        openLogs.remove(log);
        close(log);
    }

    /** A draft of type {@value #TYPE} about {@code subject}, whose payload carries {@code n} and non-ASCII text. */
    private static EventDraft draft(String subject, int n) {
        return new EventDraft(TYPE, 1, subject, "{\"n\":" + n + ",\"text\":\"héllo wörld ✓ 𝄞\"}");
    }

    /** A JSON object of exactly {@link EventDraft#MAX_PAYLOAD_BYTES} UTF-8 bytes, mostly two-byte characters. */
    private static String largestPayload() {
        String open = "{\"blob\":\"";
        String close = "\"}";
        int room = EventDraft.MAX_PAYLOAD_BYTES - open.length() - close.length();
        return open + "é".repeat(room / 2) + "x".repeat(room % 2) + close;
    }

    private static EventRecord append(EventLog log, EventDraft draft) throws Exception {
        return log.append(draft).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Appends {@code count} drafts about {@code subject}, waiting for each acknowledgement before the next. */
    private static List<EventRecord> appendEach(EventLog log, String subject, int count) throws Exception {
        List<EventRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(append(log, draft(subject, i)));
        }
        return records;
    }

    /** Submits {@code count} drafts about {@code subject} before waiting for any, so they can share a commit. */
    private static List<EventRecord> appendPipelined(EventLog log, String subject, int count) throws Exception {
        List<CompletableFuture<EventRecord>> pending = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            pending.add(log.append(draft(subject, i)).toCompletableFuture());
        }
        List<EventRecord> records = new ArrayList<>();
        for (CompletableFuture<EventRecord> f : pending) {
            records.add(f.get(WAIT_SECONDS, TimeUnit.SECONDS));
        }
        return records;
    }

    private static List<EventRecord> readAll(EventLog log, long fromSequence) {
        try (EventCursor cursor = log.read(fromSequence)) {
            return drain(cursor);
        }
    }

    private static List<EventRecord> drain(EventCursor cursor) {
        List<EventRecord> records = new ArrayList<>();
        while (cursor.hasNext()) {
            records.add(cursor.next());
        }
        assertFalse(cursor.hasNext(), "hasNext() after the cursor reported its end");
        return records;
    }

    private static LogHead headOf(EventRecord r) {
        return new LogHead(r.sequence(), r.timeNanos(), r.hash());
    }

    /** What the log must answer for {@code time}, worked out from all its records in order. */
    private static long firstAtOrAfter(List<EventRecord> records, Instant time) {
        for (EventRecord r : records) {
            if (!r.time().isBefore(time)) {
                return r.sequence();
            }
        }
        return records.get(records.size() - 1).sequence() + 1;
    }

    private static <T> List<T> snapshot(List<T> synchronizedList) {
        synchronized (synchronizedList) {
            return List.copyOf(synchronizedList);
        }
    }

    /** The cause under any {@link CompletionException} and {@link ExecutionException} wrappers. */
    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Compares records one by one, naming the first that differs by sequence, type and subject rather than
     * printing payloads that may be a megabyte long.
     */
    private static void assertRecordsEqual(List<EventRecord> expected, List<EventRecord> actual, String what) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                fail(what + ": record " + (i + 1) + " differs: expected " + describe(expected.get(i)) + " but was "
                        + describe(actual.get(i)));
            }
        }
        assertEquals(expected.size(), actual.size(), what + ": number of records");
    }

    private static String describe(EventRecord r) {
        String payload = r.payload().length() > 80 ? r.payload().substring(0, 80) + "...(" + r.payload().length()
                + " chars)" : r.payload();
        return "#" + r.sequence() + " " + r.type() + " v" + r.version() + " " + r.subject() + " at " + r.timeNanos()
                + " " + payload + " prev " + r.previousHash() + " hash " + r.hash();
    }
}
