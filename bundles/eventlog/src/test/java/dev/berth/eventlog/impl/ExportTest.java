package dev.berth.eventlog.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogCorruptedException;
import dev.berth.api.event.LogExport;
import dev.berth.api.event.LogVerification;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SegmentedEventLog#export}: one file in the segment format holding a range of records byte for
 * byte as stored, anchored to the hash before it, written whole or not at all.
 */
class ExportTest {
    private static final SegmentedEventLog.Options OPTIONS = SegmentedEventLog.Options.defaults().withSegmentBytes(600);

    @TempDir
    Path dir;
    @TempDir
    Path out;

    @Test
    void aRangeAcrossSegmentsIsCopiedByteForByte() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            List<EventRecord> records = LogFiles.appendNotes(log, 30, "exported");
            assertTrue(LogFiles.segments(dir).size() >= 4, "the range spans several segments");
            Path target = out.resolve("range.log");

            LogExport export = log.export(4, 25, target);

            assertEquals(new LogExport(target.toString(), 4, 25, records.get(2).hash(), records.get(24).hash(),
                    Files.size(target)), export);
            assertEquals(22, export.records());
            byte[] file = Files.readAllBytes(target);
            assertArrayEquals(SegmentFormat.header(4, records.get(2).hash().bytes()),
                    Arrays.copyOf(file, SegmentFormat.HEADER_BYTES), "header: magic, first sequence, anchor");
            assertArrayEquals(storedFrames(dir, 4, 25), Arrays.copyOfRange(file, SegmentFormat.HEADER_BYTES, file.length),
                    "records exactly as the segments hold them");
            LogVerification check = ExportedFiles.verify(target);
            assertEquals(new LogVerification(4, 25, 25, java.util.Optional.empty()), check);
            assertFalse(Files.exists(LogExporter.partFileOf(target)), "no temporary file left");
        }
    }

    @Test
    void theWholeLogStartsAtGenesisAndTheEndIsClampedToTheHead() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            List<EventRecord> records = LogFiles.appendNotes(log, 9, "whole");
            LogExport export = log.export(1, Long.MAX_VALUE, out.resolve("all.log"));
            assertEquals(1, export.firstSequence());
            assertEquals(9, export.lastSequence());
            assertEquals(ChainHash.GENESIS, export.anchor());
            assertEquals(records.get(8).hash(), export.lastHash());
            assertTrue(ExportedFiles.verify(out.resolve("all.log")).intact());

            LogExport one = log.export(9, 9, out.resolve("one.log"));
            assertEquals(1, one.records());
            assertEquals(records.get(7).hash(), one.anchor());
            assertEquals(new LogVerification(9, 9, 9, java.util.Optional.empty()), ExportedFiles.verify(out.resolve("one.log")));
        }
    }

    /** One request export must refuse with INVALID, naming the range or the path. */
    record Refusal(String name, long from, long to, String target, String says) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Refusal> refusals() {
        return Stream.of(
                new Refusal("FromZero", 0, 5, "x.log", "records 0..5"),
                new Refusal("FromNegative", -3, 5, "x.log", "sequences start at 1"),
                new Refusal("FromPastTheHead", 13, 20, "x.log", "the log's head is sequence 12"),
                new Refusal("ReversedRange", 5, 4, "x.log", "records 5..4"),
                new Refusal("TargetExists", 1, 5, "existing.log", "already exists"),
                new Refusal("TargetIsADanglingLink", 1, 5, "dangling.log", "already exists"),
                new Refusal("TargetIsADirectory", 1, 5, "subdir", "already exists"),
                new Refusal("ParentMissing", 1, 5, "missing/x.log", "does not exist"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void badRequestsAreRefusedWithoutWritingAnything(Refusal refusal) throws Exception {
        Files.writeString(out.resolve("existing.log"), "sentinel");
        Files.createSymbolicLink(out.resolve("dangling.log"), out.resolve("nowhere"));
        Files.createDirectory(out.resolve("subdir"));
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            LogFiles.appendNotes(log, 12, "refused");
            Map<String, byte[]> before = LogFiles.contents(out);
            Path target = out.resolve(refusal.target());

            BerthException e = assertThrows(BerthException.class, () -> log.export(refusal.from(), refusal.to(), target));

            assertEquals(ErrorKind.INVALID, e.kind(), e.getMessage());
            assertTrue(e.getMessage().startsWith("export event log records " + refusal.from() + ".." + refusal.to()
                    + " to " + target + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(refusal.says()), e.getMessage());
            assertEquals(before.keySet(), LogFiles.contents(out).keySet(), "nothing written, nothing left");
            assertEquals("sentinel", Files.readString(out.resolve("existing.log")));
            System.out.println(refusal.name() + ": " + e.getMessage());
        }
    }

    @Test
    void anEmptyLogHasNothingToExport() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            BerthException e = assertThrows(BerthException.class, () -> log.export(1, 1, out.resolve("x.log")));
            assertEquals(ErrorKind.INVALID, e.kind());
            assertTrue(e.getMessage().endsWith("the log is empty"), e.getMessage());
        }
    }

    @Test
    void aDamagedRecordInTheRangeFailsTheExportAndLeavesNoFile() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            LogFiles.appendNotes(log, 20, "damaged");
            Path middle = LogFiles.segments(dir).get(2);
            LogFiles.flip(middle, LogFiles.frames(middle).get(0).offset() + 30);
            Path target = out.resolve("damaged.log");

            LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> log.export(1, 20, target));

            assertEquals(middle, e.file());
            assertTrue(e.getMessage().contains("body CRC mismatch"), e.getMessage());
            assertEquals(List.of(), List.copyOf(LogFiles.contents(out).keySet()), "neither the target nor its .part");
            // Records before the damage still export.
            log.export(1, 4, out.resolve("before.log"));
            assertTrue(ExportedFiles.verify(out.resolve("before.log")).intact());
        }
    }

    @Test
    void aTemporaryFileInTheWayIsAConflictAndIsLeftAlone() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            LogFiles.appendNotes(log, 3, "conflict");
            Path target = out.resolve("busy.log");
            Files.writeString(LogExporter.partFileOf(target), "another export");

            BerthException e = assertThrows(BerthException.class, () -> log.export(1, 3, target));

            assertEquals(ErrorKind.CONFLICT, e.kind());
            assertTrue(e.getMessage().contains(LogExporter.partFileOf(target).toString()), e.getMessage());
            assertEquals("another export", Files.readString(LogExporter.partFileOf(target)));
            assertFalse(Files.exists(target));
        }
    }

    @Test
    void appendsDuringAnExportDoNotDisturbIt() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            LogFiles.appendNotes(log, 50, "before");
            AtomicBoolean stop = new AtomicBoolean();
            Thread appender = new Thread(() -> {
                int i = 0;
                while (!stop.get()) {
                    log.append(LogFiles.note("during " + i++)).toCompletableFuture().join();
                }
            });
            appender.start();
            try {
                for (int round = 0; round < 20; round++) {
                    long head = log.head().sequence();
                    Path target = out.resolve("round-" + round + ".log");
                    LogExport export = log.export(1 + round, Long.MAX_VALUE, target);
                    assertTrue(export.lastSequence() >= head, export + " reaches the head at call time " + head);
                    LogVerification check = ExportedFiles.verify(target);
                    assertTrue(check.intact(), check.toString());
                    assertEquals(export.lastSequence(), check.verifiedThrough());
                    assertEquals(export.lastHash().hex(), ExportedFiles.verifyToMap(target).get("headHash"));
                }
            } finally {
                stop.set(true);
                appender.join();
            }
            assertTrue(log.verify(1).intact());
        }
    }

    /** The frames of records {@code from..to} as they sit in the segment files of {@code dir}. */
    static byte[] storedFrames(Path dir, long from, long to) throws Exception {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        List<Long> seen = new ArrayList<>();
        for (Path segment : LogFiles.segments(dir)) {
            byte[] bytes = Files.readAllBytes(segment);
            for (LogFiles.Frame frame : LogFiles.frames(segment)) {
                long sequence = LogFiles.sequenceOf(bytes, frame);
                if (sequence >= from && sequence <= to) {
                    frames.write(bytes, (int) frame.offset(), frame.length());
                    seen.add(sequence);
                }
            }
        }
        assertEquals(to - from + 1, seen.size(), "every record found in the segments");
        return frames.toByteArray();
    }
}
