package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.LogFiles.appendNotes;
import static dev.berth.eventlog.impl.LogFiles.note;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogHead;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk fails only the batch it hit; a failed fsync stops the log. The failures are injected
 * through the channel opener (a real ENOSPC needs a small filesystem the unit tests do not have) on top
 * of real files.
 */
class WriteFailureTest {
    @TempDir
    Path dir;

    @Test
    void aFailedWriteFailsThatBatchCutsTheFileBackAndTheLogCarriesOn() throws Exception {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults().withChannelOpener(faults.opener());
        List<EventRecord> written;
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            written = new ArrayList<>(appendNotes(log, 3, "before"));
            Path file = LogFiles.segments(dir).get(0);
            long size = Files.size(file);
            LogHead head = log.head();
            List<EventRecord> seen = new ArrayList<>();
            log.subscribe(seen::add);

            faults.nextWrite.set("No space left on device");
            CompletionException e = assertThrows(CompletionException.class,
                    () -> log.append(new EventDraft("image.pulled", 1, "busybox", "{}")).toCompletableFuture().join());
            BerthException cause = assertInstanceOf(BerthException.class, e.getCause());
            assertEquals(ErrorKind.UNAVAILABLE, cause.kind());
            assertEquals("append event image.pulled to " + file + ": No space left on device", cause.getMessage());
            assertEquals(size, Files.size(file), "the half-written record is cut off");
            assertEquals(head, log.head());

            EventRecord next = log.append(note("after the failure")).toCompletableFuture().join();
            assertEquals(4, next.sequence(), "the failed append used no sequence");
            assertEquals(head.hash(), next.previousHash());
            written.add(next);
            assertEquals(List.of(next), seen, "listeners never saw the failed record");
            assertTrue(log.verify(1).intact());
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(dir)) {
            assertTrue(log.recovery().isEmpty());
            LogFiles.assertSameRecords(written, LogFiles.readAll(log, 1));
        }
    }

    @Test
    void aFailedFsyncStopsTheLog() throws Exception {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults().withChannelOpener(faults.opener());
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            appendNotes(log, 2, "before");
            LogHead head = log.head();
            Path file = LogFiles.segments(dir).get(0);
            faults.nextForce.set("Input/output error");
            String expected = "event log stopped after fsync failure on " + file
                    + ": Input/output error; restart the daemon";
            for (int i = 0; i < 3; i++) {
                CompletionStage<EventRecord> stage = log.append(note("after " + i));
                CompletionException e = assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
                BerthException cause = assertInstanceOf(BerthException.class, e.getCause());
                assertEquals(ErrorKind.UNAVAILABLE, cause.kind());
                assertEquals(expected, cause.getMessage());
            }
            assertEquals(head, log.head(), "nothing after the failed fsync is visible");
        }
    }

    @Test
    void aFailedRolloverFailsTheAppendAndTheNextOneRollsOver() throws Exception {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults().withSegmentBytes(400)
                .withChannelOpener(faults.opener());
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            while (LogFiles.segments(dir).size() == 1) {
                faults.nextCreate.set("Too many open files");
                CompletionStage<EventRecord> stage = log.append(note("filling"));
                try {
                    stage.toCompletableFuture().join();
                    faults.nextCreate.set(null);
                } catch (CompletionException e) {
                    assertEquals("append event note.added to " + dir.resolve(SegmentFormat.fileName(log.head().sequence() + 1))
                            + ": Too many open files", e.getCause().getMessage());
                    break;
                }
            }
            assertEquals(1, LogFiles.segments(dir).size(), "the failed rollover left no file behind");
            long head = log.head().sequence();
            EventRecord next = log.append(note("rolls now")).toCompletableFuture().join();
            assertEquals(head + 1, next.sequence());
            assertEquals(2, LogFiles.segments(dir).size());
            assertTrue(log.verify(1).intact());
        }
    }
}
