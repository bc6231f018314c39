package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.LogFiles.appendNotes;
import static dev.berth.eventlog.impl.LogFiles.note;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogCorruptedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A crash can tear the last record of the last segment, or a segment header right after rollover. */
class CrashRecoveryTest {
    private static final int RECORDS = 6;

    @TempDir
    Path tmp;

    @Test
    void truncationAtEveryOffsetOfTheLastRecordRecoversToTheRecordBefore() throws Exception {
        Path seed = tmp.resolve("seed");
        List<EventRecord> written = seed(seed, SegmentedEventLog.Options.defaults());
        Path segment = LogFiles.segments(seed).get(0);
        List<LogFiles.Frame> frames = LogFiles.frames(segment);
        LogFiles.Frame last = frames.get(frames.size() - 1);
        EventRecord previous = written.get(RECORDS - 2);
        for (long cut = last.offset(); cut < last.end(); cut++) {
            Path dir = tmp.resolve("cut-" + cut);
            LogFiles.copyDirectory(seed, dir);
            Path file = dir.resolve(segment.getFileName());
            LogFiles.truncate(file, cut);
            try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
                String at = "cut at " + cut;
                assertEquals(RECORDS - 1, log.head().sequence(), at);
                assertEquals(previous.hash(), log.head().hash(), at);
                Optional<SegmentedEventLog.Recovery> expected = cut == last.offset() ? Optional.empty()
                        : Optional.of(new SegmentedEventLog.Recovery(segment.getFileName().toString(), last.offset(),
                                cut - last.offset()));
                assertEquals(expected, log.recovery(), at);
                assertEquals(last.offset(), Files.size(file), at);
                assertTrue(log.verify(1).intact(), at);
                EventRecord next = log.append(note("after the crash")).toCompletableFuture().join();
                assertEquals(RECORDS, next.sequence(), at);
                assertEquals(previous.hash(), next.previousHash(), at);
            }
            try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
                assertTrue(log.recovery().isEmpty());
                assertEquals(RECORDS, log.head().sequence());
                assertTrue(log.verify(1).intact());
            }
        }
    }

    @Test
    void aZeroFilledTailIsCutOff() throws Exception {
        Path seed = tmp.resolve("seed");
        List<EventRecord> written = seed(seed, SegmentedEventLog.Options.defaults());
        String name = LogFiles.segments(seed).get(0).getFileName().toString();
        List<LogFiles.Frame> frames = LogFiles.frames(seed.resolve(name));
        LogFiles.Frame last = frames.get(frames.size() - 1);

        // Space allocated after the last complete record but never written.
        Path appended = tmp.resolve("zeros-after");
        LogFiles.copyDirectory(seed, appended);
        LogFiles.appendBytes(appended.resolve(name), new byte[4096]);
        assertRecovered(appended, RECORDS, written.get(RECORDS - 1), new SegmentedEventLog.Recovery(name, last.end(), 4096));

        // Fewer zeros than a record header.
        Path few = tmp.resolve("few-zeros");
        LogFiles.copyDirectory(seed, few);
        LogFiles.appendBytes(few.resolve(name), new byte[5]);
        assertRecovered(few, RECORDS, written.get(RECORDS - 1), new SegmentedEventLog.Recovery(name, last.end(), 5));

        // The last record's blocks allocated but its data never reached the disk.
        Path overwritten = tmp.resolve("zeros-instead");
        LogFiles.copyDirectory(seed, overwritten);
        LogFiles.overwrite(overwritten.resolve(name), last.offset(), new byte[last.length()]);
        assertRecovered(overwritten, RECORDS - 1, written.get(RECORDS - 2),
                new SegmentedEventLog.Recovery(name, last.offset(), last.length()));
    }

    @Test
    void aSegmentWithAPartialHeaderFromAnInterruptedRolloverIsRemoved() throws Exception {
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults().withSegmentBytes(400);
        Path seed = tmp.resolve("seed");
        List<EventRecord> written = seed(seed, options);
        int segments = LogFiles.segments(seed).size();
        assertTrue(segments > 1, "rollover happened");
        EventRecord head = written.get(RECORDS - 1);
        String nextName = SegmentFormat.fileName(RECORDS + 1);
        byte[] header = SegmentFormat.header(RECORDS + 1, head.hash().bytes());
        for (int length = 0; length < SegmentFormat.HEADER_BYTES; length++) {
            for (boolean zeros : new boolean[] {false, true}) {
                Path dir = tmp.resolve("header-" + length + (zeros ? "-zeros" : ""));
                LogFiles.copyDirectory(seed, dir);
                Files.write(dir.resolve(nextName), zeros ? new byte[length] : Arrays.copyOf(header, length));
                try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
                    assertEquals(Optional.of(new SegmentedEventLog.Recovery(nextName, 0, length)), log.recovery());
                    assertEquals(head.hash(), log.head().hash());
                    assertEquals(segments, LogFiles.segments(dir).size());
                    assertTrue(log.verify(1).intact());
                    appendNotes(log, 3, "after");
                    assertTrue(log.verify(1).intact());
                }
                try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
                    assertEquals(RECORDS + 3, log.head().sequence());
                    assertTrue(log.recovery().isEmpty());
                }
            }
        }
    }

    @Test
    void aPartialHeaderThatIsNotTheExpectedOneIsDamage() throws Exception {
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults().withSegmentBytes(400);
        Path dir = tmp.resolve("log");
        seed(dir, options);
        Path stray = dir.resolve(SegmentFormat.fileName(RECORDS + 1));
        Files.write(stray, "BERTHLG2".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> SegmentedEventLog.open(dir, options));
        assertEquals(stray, e.file());
        assertEquals(0, e.offset());
        assertTrue(Files.exists(stray), "nothing is repaired when the damage is not a torn tail");
    }

    @Test
    void aCompleteHeaderWithoutRecordsIsAValidLastSegment() throws Exception {
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults().withSegmentBytes(400);
        Path dir = tmp.resolve("log");
        List<EventRecord> written = seed(dir, options);
        Path next = dir.resolve(SegmentFormat.fileName(RECORDS + 1));
        Files.write(next, SegmentFormat.header(RECORDS + 1, written.get(RECORDS - 1).hash().bytes()));
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            assertFalse(log.recovery().isPresent());
            log.append(note("into the empty segment")).toCompletableFuture().join();
            assertEquals(SegmentFormat.HEADER_BYTES + LogFiles.frames(next).get(0).length(), Files.size(next));
            assertTrue(log.verify(1).intact());
        }
    }

    private static List<EventRecord> seed(Path dir, SegmentedEventLog.Options options) throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            return appendNotes(log, RECORDS, "seed");
        }
    }

    private static void assertRecovered(Path dir, long head, EventRecord last, SegmentedEventLog.Recovery recovery)
            throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            assertEquals(Optional.of(recovery), log.recovery());
            assertEquals(head, log.head().sequence());
            assertEquals(last.hash(), log.head().hash());
            assertEquals(recovery.offset(), Files.size(dir.resolve(recovery.segment())));
            assertEquals(head + 1, log.append(note("next")).toCompletableFuture().join().sequence());
            assertTrue(log.verify(1).intact());
        }
    }
}
