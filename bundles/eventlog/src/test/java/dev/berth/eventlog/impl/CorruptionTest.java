package dev.berth.eventlog.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.ErrorKind;
import dev.berth.api.event.LogCorruptedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Damage anywhere but a torn tail is reported with the segment file and the damaged record's offset,
 * never skipped and never repaired. Each case damages a copy of the same three-or-more-segment log.
 */
class CorruptionTest {
    private static final SegmentedEventLog.Options OPTIONS = SegmentedEventLog.Options.defaults().withSegmentBytes(1024);

    @TempDir
    static Path tmp;
    private static Path seed;
    private static List<Path> segments;

    /** Where the damage is expected: segment number, the frame in it (-1 for the header), message part. */
    private record Expected(int segment, int frame, String what) {
    }

    /** Damages a copy of the seed log, given the copy's segment files in order, and says what open must report. */
    @FunctionalInterface
    private interface Damage {
        Expected apply(List<Path> files) throws IOException;
    }

    @BeforeAll
    static void seedLog() throws Exception {
        seed = tmp.resolve("seed");
        try (SegmentedEventLog log = SegmentedEventLog.open(seed, OPTIONS)) {
            LogFiles.appendNotes(log, 40, "corruption seed");
        }
        segments = LogFiles.segments(seed);
        assertTrue(segments.size() >= 3, "need at least three segments, got " + segments.size());
    }

    static Stream<Arguments> cases() {
        Map<String, Damage> cases = new LinkedHashMap<>();
        cases.put("BodyByteFlippedInMiddleRecord", files -> {
            LogFiles.Frame f = middleFrame(last(files));
            LogFiles.flip(last(files), f.offset() + 12 + 20);
            return new Expected(files.size() - 1, middle(last(files)), "body CRC mismatch");
        });
        cases.put("LengthFieldFlippedInMiddleRecord", files -> {
            LogFiles.flip(last(files), middleFrame(last(files)).offset() + 3);
            return new Expected(files.size() - 1, middle(last(files)), "length CRC mismatch");
        });
        cases.put("LengthCrcFieldFlipped", files -> {
            LogFiles.flip(last(files), middleFrame(last(files)).offset() + 5);
            return new Expected(files.size() - 1, middle(last(files)), "length CRC mismatch");
        });
        cases.put("BodyCrcFieldFlipped", files -> {
            LogFiles.flip(last(files), middleFrame(last(files)).offset() + 10);
            return new Expected(files.size() - 1, middle(last(files)), "body CRC mismatch");
        });
        cases.put("LastCompleteRecordBodyFlipped", files -> {
            List<LogFiles.Frame> frames = LogFiles.frames(last(files));
            LogFiles.flip(last(files), frames.get(frames.size() - 1).end() - 1);
            return new Expected(files.size() - 1, frames.size() - 1, "body CRC mismatch");
        });
        cases.put("BodyLengthOutOfRangeWithValidLengthCrc", files -> {
            LogFiles.rewriteLength(last(files), middleFrame(last(files)), 3 << 20);
            return new Expected(files.size() - 1, middle(last(files)), "body length 3145728 is outside");
        });
        cases.put("PreviousHashRewrittenWithValidCrcs", files -> {
            LogFiles.Frame f = middleFrame(last(files));
            LogFiles.rewriteBody(last(files), f, body -> body.put(body.limit() - 1, (byte) (body.get(body.limit() - 1) ^ 1)));
            return new Expected(files.size() - 1, middle(last(files)), "hash chain broken");
        });
        cases.put("SequenceRewrittenWithValidCrcs", files -> {
            LogFiles.Frame f = middleFrame(last(files));
            LogFiles.rewriteBody(last(files), f, body -> body.putLong(0, body.getLong(0) + 1));
            return new Expected(files.size() - 1, middle(last(files)), "sequence gap");
        });
        cases.put("TimeRewrittenBackwardsWithValidCrcs", files -> {
            LogFiles.Frame f = middleFrame(last(files));
            LogFiles.rewriteBody(last(files), f, body -> body.putLong(8, 0));
            return new Expected(files.size() - 1, middle(last(files)), "time goes backwards");
        });
        cases.put("PayloadLengthRewrittenWithValidCrcs", files -> {
            LogFiles.Frame f = middleFrame(last(files));
            // type length sits at body offset 16; make it claim more than the record holds.
            LogFiles.rewriteBody(last(files), f, body -> body.putShort(16, (short) 0x7fff));
            return new Expected(files.size() - 1, middle(last(files)), "malformed body");
        });
        cases.put("GarbageAfterLastRecord", files -> {
            LogFiles.appendBytes(last(files), "not a record, not zeros".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new Expected(files.size() - 1, LogFiles.frames(seed.resolve(last(files).getFileName())).size(),
                    "length CRC mismatch");
        });
        cases.put("NonFinalSegmentByteFlipped", files -> {
            LogFiles.flip(files.get(0), middleFrame(files.get(0)).offset() + 40);
            return new Expected(0, middle(files.get(0)), "body CRC mismatch");
        });
        cases.put("NonFinalSegmentTornTail", files -> {
            List<LogFiles.Frame> frames = LogFiles.frames(files.get(1));
            LogFiles.truncate(files.get(1), frames.get(frames.size() - 1).end() - 7);
            return new Expected(1, frames.size() - 1, "record truncated");
        });
        cases.put("NonFinalSegmentZeroedTail", files -> {
            List<LogFiles.Frame> frames = LogFiles.frames(files.get(1));
            LogFiles.Frame f = frames.get(frames.size() - 1);
            LogFiles.overwrite(files.get(1), f.offset(), new byte[f.length()]);
            return new Expected(1, frames.size() - 1, "length CRC mismatch");
        });
        cases.put("NonFinalSegmentHeaderTruncated", files -> {
            LogFiles.truncate(files.get(1), 20);
            return new Expected(1, -1, "segment header truncated");
        });
        cases.put("BadSegmentMagic", files -> {
            LogFiles.flip(files.get(1), 7);
            return new Expected(1, -1, "bad segment magic");
        });
        cases.put("SegmentHeaderSequenceDisagreesWithName", files -> {
            LogFiles.flip(files.get(1), 15);
            return new Expected(1, -1, "but the file name says");
        });
        cases.put("SegmentAnchorFlipped", files -> {
            LogFiles.flip(files.get(1), 30);
            return new Expected(1, -1, "segment anchor does not match");
        });
        cases.put("MiddleSegmentMissing", files -> {
            Files.delete(files.get(1));
            return new Expected(2, -1, "segment starts at sequence");
        });
        cases.put("FirstSegmentMissing", files -> {
            Files.delete(files.get(0));
            return new Expected(1, -1, "expected 1");
        });
        return cases.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void damageIsReportedWithFileAndOffset(String name, Damage damage) throws Exception {
        Path dir = tmp.resolve(name);
        LogFiles.copyDirectory(seed, dir);
        List<Path> files = LogFiles.segments(dir);
        Expected expected = damage.apply(files);
        Map<Path, byte[]> before = snapshot(dir);

        LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> SegmentedEventLog.open(dir, OPTIONS));

        Path file = files.get(expected.segment());
        long offset = expected.frame() < 0 ? 0
                : expected.frame() < LogFiles.frames(seed.resolve(file.getFileName())).size()
                        ? LogFiles.frames(seed.resolve(file.getFileName())).get(expected.frame()).offset()
                        : Files.size(seed.resolve(file.getFileName()));
        assertEquals(file, e.file(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
        assertEquals(ErrorKind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains(expected.what()), e.getMessage());
        assertTrue(e.getMessage().startsWith("event log corrupted: " + file + " at offset " + offset + ": "),
                e.getMessage());
        Map<Path, byte[]> after = snapshot(dir);
        assertEquals(before.keySet(), after.keySet(), "a failed open removes no file");
        for (Path p : before.keySet()) {
            assertTrue(java.util.Arrays.equals(before.get(p), after.get(p)), "a failed open leaves " + p + " as it was");
        }
        // The lock is released: the operator can retry once the damage is dealt with.
        assertThrows(LogCorruptedException.class, () -> SegmentedEventLog.open(dir, OPTIONS));
    }

    private static Path last(List<Path> files) {
        return files.get(files.size() - 1);
    }

    /** The middle record of a segment, located in the undamaged seed copy of the same file. */
    private static int middle(Path segment) throws IOException {
        int frames = LogFiles.frames(seed.resolve(segment.getFileName())).size();
        assertTrue(frames >= 3, segment + " needs three records, has " + frames);
        return frames / 2;
    }

    private static LogFiles.Frame middleFrame(Path segment) throws IOException {
        return LogFiles.frames(seed.resolve(segment.getFileName())).get(middle(segment));
    }

    private static Map<Path, byte[]> snapshot(Path dir) throws IOException {
        Map<Path, byte[]> files = new LinkedHashMap<>();
        for (Path p : new ArrayList<>(LogFiles.segments(dir))) {
            files.put(p, Files.readAllBytes(p));
        }
        return files;
    }
}
