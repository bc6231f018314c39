package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.LogFiles.appendNotes;
import static dev.berth.eventlog.impl.LogFiles.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An archiving that fails leaves every segment live and byte for byte as it was, no archive or temporary
 * file behind, and a log that carries on; once the obstacle is gone, archiving works.
 */
class ArchiveFailureTest {
    @TempDir
    Path dir;

    /** Sets up one failure before {@code archive} runs; returns the undo, or null when there is none. */
    interface Obstacle {
        Runnable apply(Path dir, List<Path> segments, FaultyChannel.Faults faults) throws Exception;
    }

    record Failure(String name, Obstacle obstacle, ErrorKind kind, String says) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Failure> failures() {
        return Stream.of(
                new Failure("DiskFullWritingTheArchive", (d, s, faults) -> {
                    faults.nextWrite.set("No space left on device");
                    return () -> { };
                }, ErrorKind.UNAVAILABLE, "No space left on device"),
                new Failure("FsyncOfTheArchiveFails", (d, s, faults) -> {
                    faults.nextForce.set("Input/output error");
                    return () -> { };
                }, ErrorKind.UNAVAILABLE, "Input/output error"),
                new Failure("ArchiveNameTakenByADirectory", (d, s, faults) -> {
                    Path blocker = d.resolve(ArchiveFormat.DIRECTORY).resolve(ArchiveFormat.fileName(1));
                    Files.createDirectories(blocker.resolve("inside"));
                    return () -> delete(blocker.resolve("inside"), blocker);
                }, ErrorKind.UNAVAILABLE, "archive event log segment"),
                new Failure("ArchiveDirectoryIsAFile", (d, s, faults) -> {
                    Path blocker = d.resolve(ArchiveFormat.DIRECTORY);
                    Files.writeString(blocker, "not a directory");
                    return () -> delete(blocker);
                }, ErrorKind.UNAVAILABLE, "archive event log segment"),
                new Failure("DamagedLiveSegment", (d, s, faults) -> {
                    LogFiles.flip(s.get(0), LogFiles.frames(s.get(0)).get(1).offset() + 30);
                    return null;
                }, ErrorKind.INTERNAL, "body CRC mismatch"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void aFailedArchivingLeavesEverySegmentLive(Failure failure) throws Exception {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults().withSegmentBytes(600)
                .withChannelOpener(faults.opener());
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            List<EventRecord> appended = appendNotes(log, 20, "kept");
            List<Path> segments = LogFiles.segments(dir);
            Runnable undo = failure.obstacle().apply(dir, segments, faults);
            Map<String, byte[]> before = LogFiles.contents(dir);

            BerthException e = assertThrows(BerthException.class, () -> log.archive(Long.MAX_VALUE));

            assertEquals(failure.kind(), e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains(failure.says()), e.getMessage());
            assertTrue(e.getMessage().contains(segments.get(0).toString()), "names the segment: " + e.getMessage());
            System.out.println(failure.name() + ": " + e.getMessage());
            assertEquals(List.of(), log.archived());
            Map<String, byte[]> after = LogFiles.contents(dir);
            assertEquals(before.keySet(), after.keySet());
            before.forEach((name, bytes) -> assertArrayEquals(bytes, after.get(name), name + " unchanged"));
            Path archiveDir = dir.resolve(ArchiveFormat.DIRECTORY);
            if (Files.isDirectory(archiveDir)) {
                try (Stream<Path> left = Files.list(archiveDir)) {
                    assertEquals(List.of(), left.filter(Files::isRegularFile).toList(), "no archive or .part file");
                }
            }
            if (undo == null) {
                return;
            }
            undo.run();
            LogFiles.assertSameRecords(appended, readAll(log, 1));
            assertEquals(segments.size() - 1, log.archive(Long.MAX_VALUE).size(), "archiving works once the obstacle is gone");
            assertTrue(log.verify(1).intact());
        }
    }

    private static void delete(Path... paths) {
        try {
            for (Path p : paths) {
                Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
