package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.LogFiles.appendNotes;
import static dev.berth.eventlog.impl.LogFiles.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.ArchivedSegment;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogCorruptedException;
import dev.berth.api.event.LogVerification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SegmentedEventLog#archive}: old segments move to {@code archive/} as gzip and stay part of the
 * log: read, verified, exported, searched by time and chained to across reopen; hostile changes to the
 * archive are found and named.
 */
class ArchiveTest {
    private static final long START_SECONDS = 1_700_000_000L;

    @TempDir
    Path dir;
    @TempDir
    Path other;

    /** Small segments, and a clock that moves one second per record so times are easy to search. */
    private static SegmentedEventLog.Options options() {
        AtomicLong tick = new AtomicLong();
        InstantSource clock = () -> Instant.ofEpochSecond(START_SECONDS + tick.getAndIncrement());
        return SegmentedEventLog.Options.defaults().withSegmentBytes(600).withClock(clock);
    }

    private Path archiveDir() {
        return dir.resolve(ArchiveFormat.DIRECTORY);
    }

    @Test
    void archivedRecordsSurviveReopenAndTheLogGoesOn() throws Exception {
        List<EventRecord> appended;
        Map<String, byte[]> liveBefore;
        List<ArchivedSegment> archived;
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            appended = new ArrayList<>(appendNotes(log, 40, "archived"));
            liveBefore = LogFiles.contents(dir);
            List<Path> segments = LogFiles.segments(dir);
            assertTrue(segments.size() >= 5, "several segments, got " + segments.size());

            archived = log.archive(log.head().sequence() + 1);

            assertEquals(segments.size() - 1, archived.size(), "every segment but the current one");
            assertEquals(archived, log.archived());
            assertEquals(List.of(segments.get(segments.size() - 1)), LogFiles.segments(dir), "only the current one is live");
            checkSummaries(archived, appended);
            for (ArchivedSegment a : archived) {
                Path gz = Path.of(a.file());
                assertEquals(archiveDir().resolve(ArchiveFormat.fileName(a.firstSequence())), gz);
                assertArrayEquals(liveBefore.get(SegmentFormat.fileName(a.firstSequence())), LogFiles.gunzip(gz),
                        "the archive is the gzip of the exact segment bytes");
            }
            LogFiles.assertSameRecords(appended, readAll(log, 1));
            assertEquals(new LogVerification(1, 40, 40, java.util.Optional.empty()), log.verify(1));
            appended.addAll(appendNotes(log, 5, "after archiving"));
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            assertEquals(archived, log.archived(), "archived() is the same after reopen");
            assertEquals(45, log.head().sequence());
            LogFiles.assertSameRecords(appended, readAll(log, 1));
            appended.addAll(appendNotes(log, 25, "after reopen"));
            LogFiles.assertSameRecords(appended, readAll(log, 1));
            LogVerification check = log.verify(1);
            assertTrue(check.intact(), check.toString());
            assertEquals(70, check.verifiedThrough());
            List<ArchivedSegment> more = log.archive(Long.MAX_VALUE);
            assertFalse(more.isEmpty());
            assertEquals(more.get(0).firstSequence(), archived.get(archived.size() - 1).lastSequence() + 1,
                    "a later archiving continues where the last ended");
            checkSummaries(log.archived(), appended);
            LogFiles.assertSameRecords(appended, readAll(log, 1));
            assertTrue(log.verify(1).intact());
        }
    }

    @Test
    void readsAndSearchesStartInsideTheArchive() throws Exception {
        List<EventRecord> appended;
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            appended = appendNotes(log, 30, "searched");
            assertFalse(log.archive(20).isEmpty());
            checkReadsAndSearches(log, appended);
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            checkReadsAndSearches(log, appended);
        }
    }

    private static void checkReadsAndSearches(SegmentedEventLog log, List<EventRecord> appended) throws Exception {
        for (EventRecord r : appended) {
            LogFiles.assertSameRecords(appended.subList((int) r.sequence() - 1, appended.size()), readAll(log, r.sequence()));
            assertEquals(r.sequence(), log.firstSequenceAtOrAfter(Instant.ofEpochSecond(0, r.timeNanos())));
            assertEquals(r.sequence(), log.firstSequenceAtOrAfter(Instant.ofEpochSecond(0, r.timeNanos() - 1)),
                    "a time between records finds the next one");
            assertTrue(log.verify(r.sequence()).intact());
        }
        assertEquals(1, log.firstSequenceAtOrAfter(Instant.EPOCH));
        assertEquals(appended.size() + 1, log.firstSequenceAtOrAfter(Instant.ofEpochSecond(START_SECONDS + 1000)));
    }

    @Test
    void archivingTwiceChangesNothing() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            appendNotes(log, 25, "twice");
            List<ArchivedSegment> first = log.archive(Long.MAX_VALUE);
            assertFalse(first.isEmpty());
            Map<String, byte[]> live = LogFiles.contents(dir);
            Map<String, byte[]> archive = LogFiles.contents(archiveDir());

            assertEquals(List.of(), log.archive(Long.MAX_VALUE));
            assertEquals(List.of(), log.archive(5));

            assertEquals(first, log.archived());
            assertSameFiles(live, LogFiles.contents(dir));
            assertSameFiles(archive, LogFiles.contents(archiveDir()));
        }
    }

    @Test
    void onlyWholeSegmentsBeforeTheLimitAndNeverTheCurrentOneAreArchived() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            appendNotes(log, 30, "limits");
            List<Path> segments = LogFiles.segments(dir);
            long secondStart = SegmentFormat.parseFileName(segments.get(1).getFileName().toString());
            long thirdStart = SegmentFormat.parseFileName(segments.get(2).getFileName().toString());

            assertEquals(List.of(), log.archive(1), "nothing comes before record 1");
            assertEquals(List.of(), log.archive(secondStart - 1), "the first segment still holds record " + (secondStart - 1));
            List<ArchivedSegment> first = log.archive(thirdStart - 1);
            assertEquals(1, first.size(), "the second segment holds record " + (thirdStart - 1));
            assertEquals(secondStart - 1, first.get(0).lastSequence());
            assertEquals(List.of(), log.archive(thirdStart - 1));
            List<ArchivedSegment> second = log.archive(thirdStart);
            assertEquals(1, second.size());
            assertEquals(thirdStart - 1, second.get(0).lastSequence());

            List<ArchivedSegment> rest = log.archive(Long.MAX_VALUE);
            Path current = segments.get(segments.size() - 1);
            assertEquals(List.of(current), LogFiles.segments(dir));
            assertTrue(rest.stream().allMatch(a -> a.lastSequence() < log.head().sequence()));
            assertEquals(30, readAll(log, 1).size());
        }
    }

    /** One hostile change to the archive of an open log, and the file the damage must be named in. */
    interface Tamper {
        Path apply(List<ArchivedSegment> archived, Path otherLog) throws Exception;
    }

    /**
     * @param verifySays what {@code verify} on the open log reports
     * @param openRefuses whether a reopen must fail (naming the file in the message) rather than open and
     *                    let verify find it
     */
    record Hostile(String name, Tamper tamper, String verifySays, boolean openRefuses) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Hostile> hostile() {
        return Stream.of(
                new Hostile("ByteFlippedInsideAnArchivedRecord", (archived, o) -> {
                    Path gz = Path.of(archived.get(1).file());
                    LogFiles.rewriteArchive(gz, bytes -> {
                        bytes[SegmentFormat.HEADER_BYTES + 40] ^= 1;
                        return bytes;
                    });
                    return gz;
                }, "body CRC mismatch", false),
                new Hostile("RecordsDroppedFromAnArchive", (archived, o) -> {
                    Path gz = Path.of(archived.get(1).file());
                    LogFiles.rewriteArchive(gz, bytes -> {
                        Path scratch = o.resolve("scratch");
                        try {
                            Files.write(scratch, bytes);
                            List<LogFiles.Frame> frames = LogFiles.frames(scratch);
                            return Arrays.copyOf(bytes, (int) frames.get(frames.size() - 1).offset());
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    return gz;
                }, "but its archive header says", false),
                new Hostile("GzipTrailerCrcFlipped", (archived, o) -> {
                    Path gz = Path.of(archived.get(1).file());
                    LogFiles.flip(gz, Files.size(gz) - 6);
                    return gz;
                }, "archive is not valid gzip", false),
                new Hostile("ArchiveCutInHalf", (archived, o) -> {
                    Path gz = Path.of(archived.get(1).file());
                    LogFiles.truncate(gz, Files.size(gz) / 2);
                    return gz;
                }, "archive is not valid gzip", false),
                new Hostile("MiddleArchiveDeleted", (archived, o) -> {
                    Path gz = Path.of(archived.get(1).file());
                    Files.delete(gz);
                    return gz;
                }, "segment file is missing", true),
                new Hostile("LastArchiveDeleted", (archived, o) -> {
                    Path gz = Path.of(archived.get(archived.size() - 1).file());
                    Files.delete(gz);
                    return gz;
                }, "segment file is missing", true),
                new Hostile("ArchiveFromAnotherLog", (archived, otherLog) -> {
                    Path gz = Path.of(archived.get(1).file());
                    Path foreign = otherLog.resolve(ArchiveFormat.DIRECTORY).resolve(gz.getFileName());
                    Files.copy(foreign, gz, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    return gz;
                }, "segment anchor does not match", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void everyHostileChangeToTheArchiveIsFoundAndNamed(Hostile hostile) throws Exception {
        try (SegmentedEventLog foreign = SegmentedEventLog.open(other, options())) {
            appendNotes(foreign, 30, "elsewhere");
            foreign.archive(Long.MAX_VALUE);
        }
        Path named;
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            appendNotes(log, 30, "audited");
            List<ArchivedSegment> archived = log.archive(Long.MAX_VALUE);
            assertTrue(archived.size() >= 3, "several archives, got " + archived.size());
            named = hostile.tamper().apply(archived, other);

            LogVerification result = log.verify(1);

            assertFalse(result.intact(), hostile.name());
            LogVerification.Damage damage = result.damage().orElseThrow();
            assertEquals(named.toString(), damage.file(), damage.toString());
            assertTrue(damage.problem().contains(hostile.verifySays()), damage.problem());
            assertTrue(result.verifiedThrough() < damage.sequence(), result.toString());
            System.out.println(hostile.name() + ": " + damage);
        }
        if (hostile.openRefuses()) {
            LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> SegmentedEventLog.open(dir, options()));
            assertTrue(e.getMessage().contains(named.toString()), e.getMessage());
            System.out.println(hostile.name() + " at open: " + e.getMessage());
        } else {
            try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
                LogVerification.Damage damage = log.verify(1).damage().orElseThrow();
                assertEquals(named.toString(), damage.file());
                assertTrue(damage.problem().contains(hostile.verifySays()), damage.problem());
            }
        }
    }

    @Test
    void aCrashBeforeTheLiveSegmentWasDeletedKeepsTheLiveOne() throws Exception {
        List<EventRecord> appended;
        ArchivedSegment duplicate;
        byte[] liveCopy;
        List<ArchivedSegment> kept;
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            appended = appendNotes(log, 30, "crash between rename and delete");
            List<Path> segments = LogFiles.segments(dir);
            long thirdStart = SegmentFormat.parseFileName(segments.get(2).getFileName().toString());
            kept = log.archive(thirdStart);
            assertEquals(2, kept.size());
            liveCopy = Files.readAllBytes(segments.get(2));
            List<ArchivedSegment> third = log.archive(SegmentFormat.parseFileName(segments.get(3).getFileName().toString()));
            assertEquals(1, third.size());
            duplicate = third.get(0);
        }
        // The state a crash leaves after the archive was renamed into place but before the live file went,
        // plus the temporary file of an archiving that never finished.
        Path live = dir.resolve(SegmentFormat.fileName(duplicate.firstSequence()));
        Files.write(live, liveCopy);
        Path part = ArchiveFormat.partFileOf(archiveDir().resolve(ArchiveFormat.fileName(999)));
        Files.writeString(part, "half an archive");

        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            assertEquals(kept, log.archived(), "the live copy wins");
            assertFalse(Files.exists(Path.of(duplicate.file())), "the duplicate archive is removed");
            assertFalse(Files.exists(part), "the temporary file is removed");
            assertArrayEquals(liveCopy, Files.readAllBytes(live));
            LogFiles.assertSameRecords(appended, readAll(log, 1));
            assertTrue(log.verify(1).intact());
            assertEquals(List.of(duplicate), log.archive(duplicate.lastSequence() + 1), "archiving it again works");
            LogFiles.assertSameRecords(appended, readAll(log, 1));
        }
    }

    @Test
    void anArchiveWhoseLiveSegmentsAreAllGoneIsReportedAtOpen() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            appendNotes(log, 20, "gone");
            log.archive(Long.MAX_VALUE);
        }
        Path current = LogFiles.segments(dir).get(0);
        Files.delete(current);
        LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> SegmentedEventLog.open(dir, options()));
        assertEquals(current, e.file());
        assertTrue(e.getMessage().contains("no live segment follows"), e.getMessage());
    }

    @Test
    void aCursorOpenedBeforeArchivingReadsOnAfterIt() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            List<EventRecord> appended = appendNotes(log, 30, "reader");
            List<EventRecord> read = new ArrayList<>();
            try (EventCursor cursor = log.read(1)) {
                read.add(cursor.next());
                assertFalse(log.archive(Long.MAX_VALUE).isEmpty());
                cursor.forEachRemaining(read::add);
            }
            LogFiles.assertSameRecords(appended, read);
        }
    }

    @Test
    void exportsReadTheArchiveAndMatchWhatTheLiveSegmentsGave() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            appendNotes(log, 30, "exported");
            log.export(2, 27, other.resolve("before.log"));
            log.archive(Long.MAX_VALUE);
            log.export(2, 27, other.resolve("after.log"));
            assertArrayEquals(Files.readAllBytes(other.resolve("before.log")), Files.readAllBytes(other.resolve("after.log")));
            assertTrue(ExportedFiles.verify(other.resolve("after.log")).intact());
        }
    }

    @Test
    void appendsGoOnWhileSegmentsAreArchived() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options())) {
            List<EventRecord> appended = new ArrayList<>(appendNotes(log, 10, "before"));
            AtomicBoolean stop = new AtomicBoolean();
            List<EventRecord> during = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread appender = new Thread(() -> {
                for (int i = 0; !stop.get() || i < 50; i++) {
                    during.add(log.append(LogFiles.note("during " + i)).toCompletableFuture().join());
                }
            });
            appender.start();
            int archivedCount = 0;
            try {
                for (int round = 0; round < 40; round++) {
                    archivedCount += log.archive(Long.MAX_VALUE).size();
                }
            } finally {
                stop.set(true);
                appender.join();
            }
            appended.addAll(during);
            assertTrue(archivedCount > 0);
            assertEquals(log.archived().size(), archivedCount);
            LogFiles.assertSameRecords(appended, readAll(log, 1));
            assertTrue(log.verify(1).intact());
            checkSummaries(log.archived(), appended);
        }
    }

    @Test
    void aClosedLogDoesNotArchive() throws Exception {
        SegmentedEventLog log = SegmentedEventLog.open(dir, options());
        appendNotes(log, 20, "closed");
        log.close();
        BerthException e = assertThrows(BerthException.class, () -> log.archive(Long.MAX_VALUE));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertFalse(Files.exists(archiveDir()));
    }

    private static void checkSummaries(List<ArchivedSegment> archived, List<EventRecord> appended) {
        ChainHash previous = ChainHash.GENESIS;
        long next = 1;
        for (ArchivedSegment a : archived) {
            assertEquals(next, a.firstSequence());
            assertTrue(a.lastSequence() >= a.firstSequence(), a.toString());
            assertEquals(previous, a.anchor());
            EventRecord first = appended.get((int) a.firstSequence() - 1);
            EventRecord last = appended.get((int) a.lastSequence() - 1);
            assertEquals(first.previousHash(), a.anchor());
            assertEquals(last.hash(), a.lastHash());
            assertEquals(first.timeNanos(), a.firstTimeNanos());
            assertEquals(last.timeNanos(), a.lastTimeNanos());
            assertTrue(a.holds(a.firstSequence()) && a.holds(a.lastSequence()) && !a.holds(a.lastSequence() + 1));
            previous = a.lastHash();
            next = a.lastSequence() + 1;
        }
    }

    private static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        Map<String, Boolean> same = new HashMap<>();
        expected.forEach((name, bytes) -> same.put(name, Arrays.equals(bytes, actual.get(name))));
        assertFalse(same.containsValue(false), "changed: " + same);
    }
}
