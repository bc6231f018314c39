package dev.berth.eventlog.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogCorruptedException;
import dev.berth.api.event.LogReadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain holds over an intact log, and any single damaged byte is found at the right record. */
class HashChainTest {
    private static final SegmentedEventLog.Options OPTIONS = SegmentedEventLog.Options.defaults().withSegmentBytes(600);

    @TempDir
    Path dir;

    @Test
    void anIntactLogVerifies() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            List<EventRecord> written = LogFiles.appendNotes(log, 30, "chain");
            for (int i = 1; i < written.size(); i++) {
                assertEquals(written.get(i - 1).hash(), written.get(i).previousHash());
            }
            assertEquals(new dev.berth.api.event.LogVerification(1, 30, 30, java.util.Optional.empty()), log.verify(1));
            assertEquals(new dev.berth.api.event.LogVerification(17, 30, 30, java.util.Optional.empty()), log.verify(17));
            assertEquals(new dev.berth.api.event.LogVerification(31, 30, 30, java.util.Optional.empty()), log.verify(31));
        }
    }

    @Test
    void everyFlippedByteIsFoundAtTheRightRecord() throws Exception {
        List<EventRecord> written;
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            written = LogFiles.appendNotes(log, 10, "flip");
            List<Path> segments = LogFiles.segments(dir);
            assertTrue(segments.size() >= 3, "several segments, got " + segments.size());
            // With the log open: verify finds each flip, reporting the record's sequence and offset.
            for (Path file : segments) {
                long size = Files.size(file);
                for (long at = 0; at < size; at++) {
                    long[] expected = locate(file, at);
                    LogFiles.flip(file, at);
                    dev.berth.api.event.LogVerification result = log.verify(1);
                    LogFiles.flip(file, at);
                    String where = file.getFileName() + " byte " + at;
                    assertFalse(result.intact(), where);
                    dev.berth.api.event.LogVerification.Damage damage = result.damage().orElseThrow();
                    assertEquals(file.toString(), damage.file(), where);
                    assertEquals(expected[0], damage.offset(), where + ": " + damage.problem());
                    assertEquals(expected[1], damage.sequence(), where + ": " + damage.problem());
                    assertEquals(expected[1] - 1, result.verifiedThrough(), where);
                }
            }
            assertTrue(log.verify(1).intact(), "all flips undone");
        }
        // With the log closed: open refuses, naming the file and the record's offset.
        for (Path file : LogFiles.segments(dir)) {
            long size = Files.size(file);
            for (long at = 0; at < size; at++) {
                long[] expected = locate(file, at);
                LogFiles.flip(file, at);
                LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> SegmentedEventLog.open(dir, OPTIONS));
                LogFiles.flip(file, at);
                assertEquals(file, e.file(), e.getMessage());
                assertEquals(expected[0], e.offset(), e.getMessage());
            }
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            assertEquals(written.get(written.size() - 1).hash(), log.head().hash());
        }
    }

    @Test
    void verifyFromASequenceChecksFromThereOn() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            LogFiles.appendNotes(log, 12, "partial");
            List<Path> segments = LogFiles.segments(dir);
            Path first = segments.get(0);
            LogFiles.flip(first, LogFiles.frames(first).get(0).offset() + 30);
            assertEquals(1, log.verify(1).damage().orElseThrow().sequence());
            long laterStart = Files.readAllBytes(segments.get(2)).length > 0
                    ? java.nio.ByteBuffer.wrap(Files.readAllBytes(segments.get(2))).getLong(8) : 0;
            assertTrue(log.verify(laterStart).intact(), "damage before the checked range is not reported");
        }
    }

    @Test
    void aCursorThrowsAtADamagedRecord() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            LogFiles.appendNotes(log, 5, "cursor");
            Path file = LogFiles.segments(dir).get(0);
            LogFiles.Frame third = LogFiles.frames(file).get(2);
            LogFiles.flip(file, third.offset() + 40);
            try (EventCursor cursor = log.read(1)) {
                assertEquals(1, cursor.next().sequence());
                assertEquals(2, cursor.next().sequence());
                LogReadException e = assertThrows(LogReadException.class, cursor::next);
                LogCorruptedException cause = assertInstanceOf(LogCorruptedException.class, e.getCause());
                assertEquals(file, cause.file());
                assertEquals(third.offset(), cause.offset());
                assertThrows(LogReadException.class, cursor::hasNext, "the cursor stays failed");
            }
            // A cursor starting after the damage still checks the chain up to its start within the segment.
            assertThrows(LogReadException.class, () -> LogFiles.readAll(log, 4));
        }
    }

    /** The expected report for a flip at {@code at}: {offset, sequence} of the enclosing record or header. */
    private static long[] locate(Path file, long at) throws Exception {
        long first = java.nio.ByteBuffer.wrap(Files.readAllBytes(file)).getLong(8);
        if (at < SegmentFormat.HEADER_BYTES) {
            return new long[] {0, first};
        }
        List<LogFiles.Frame> frames = LogFiles.frames(file);
        for (int i = 0; i < frames.size(); i++) {
            if (at < frames.get(i).end()) {
                return new long[] {frames.get(i).offset(), first + i};
            }
        }
        throw new AssertionError("offset " + at + " is past the last record of " + file);
    }
}
