package dev.berth.eventlog.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.event.EventLog;
import dev.berth.api.event.LogVerification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code berth audit verify} as the API offers it ({@link EventLog#verify(long)}), against the hostile
 * changes an auditor must catch in a running log: a tampered byte, a deleted segment, two records swapped,
 * a segment from another engine. Each is found, naming the segment file it is in.
 */
class AuditVerifyTest {
    private static final SegmentedEventLog.Options OPTIONS = SegmentedEventLog.Options.defaults().withSegmentBytes(600);

    @TempDir
    Path dir;
    @TempDir
    Path other;

    /** One hostile change to the log's files (the log is open); returns the segment the damage must be named in. */
    interface Tamper {
        Path apply(List<Path> segments, Path otherLog) throws Exception;
    }

    record Case(String name, Tamper tamper) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> tampering() {
        return Stream.of(
                new Case("TamperedByte", (segments, otherLog) -> {
                    Path middle = segments.get(1);
                    LogFiles.flip(middle, LogFiles.frames(middle).get(0).offset() + 25);
                    return middle;
                }),
                new Case("DeletedSegment", (segments, otherLog) -> {
                    Files.delete(segments.get(1));
                    return segments.get(1);
                }),
                new Case("ReorderedRecords", (segments, otherLog) -> {
                    Path middle = segments.get(1);
                    List<LogFiles.Frame> frames = LogFiles.frames(middle);
                    LogFiles.Frame a = frames.get(0);
                    LogFiles.Frame b = frames.get(1);
                    byte[] bytes = Files.readAllBytes(middle);
                    byte[] swapped = bytes.clone();
                    System.arraycopy(bytes, (int) b.offset(), swapped, (int) a.offset(), b.length());
                    System.arraycopy(bytes, (int) a.offset(), swapped, (int) a.offset() + b.length(), a.length());
                    Files.write(middle, swapped);
                    return middle;
                }),
                new Case("SegmentFromAnotherEngine", (segments, otherLog) -> {
                    Path foreign = LogFiles.segments(otherLog).get(1);
                    Files.copy(foreign, segments.get(1), StandardCopyOption.REPLACE_EXISTING);
                    return segments.get(1);
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tampering")
    void everyHostileChangeIsFoundAndNamed(Case hostile) throws Exception {
        try (SegmentedEventLog foreign = SegmentedEventLog.open(other, OPTIONS)) {
            LogFiles.appendNotes(foreign, 12, "elsewhere");
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            LogFiles.appendNotes(log, 12, "audited");
            List<Path> segments = LogFiles.segments(dir);
            assertTrue(segments.size() >= 3, "several segments, got " + segments.size());
            assertTrue(log.verify(1).intact(), "intact before");
            Path named = hostile.tamper().apply(segments, other);
            LogVerification result = log.verify(1);
            assertFalse(result.intact(), hostile.name());
            LogVerification.Damage damage = result.damage().orElseThrow();
            assertEquals(named.toString(), damage.file(), damage.problem());
            assertFalse(damage.problem().isBlank());
            assertTrue(result.verifiedThrough() < damage.sequence(), result.toString());
            System.out.println(hostile.name() + ": #" + damage.sequence() + " " + Path.of(damage.file()).getFileName()
                    + " @" + damage.offset() + ": " + damage.problem());
        }
    }

    @Test
    void anIntactLogVerifiesThroughTheHead() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, OPTIONS)) {
            LogFiles.appendNotes(log, 7, "fine");
            LogVerification result = log.verify(1);
            assertTrue(result.intact());
            assertEquals(7, result.verifiedThrough());
            assertEquals(7, result.head());
            assertTrue(log.verify(8).intact(), "nothing to check past the head");
        }
    }
}
