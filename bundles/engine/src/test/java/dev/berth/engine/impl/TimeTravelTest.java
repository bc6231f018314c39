package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.container.RunOptions;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.ContainerCreated;
import dev.berth.api.events.ContainerExited;
import dev.berth.api.events.ContainerRemoved;
import dev.berth.api.events.ContainerStarted;
import dev.berth.eventlog.impl.SegmentedEventLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state at a past sequence, rebuilt from the series of checkpoints plus the records after one, equals
 * the state a fold from nothing gives; a damaged or foreign checkpoint is passed over, never trusted; and the
 * container projection stays bounded however many containers were removed.
 */
class TimeTravelTest {
    private static final String DIGEST = ContainerProjectionTest.DIGEST;

    @TempDir
    Path root;

    private final EventCodec codec = new EventCodec();

    private static String id(int n) {
        return ContainerProjectionTest.id(n);
    }

    private void append(EventLog log, String subject, Record payload) {
        ContainerProjectionTest.append(codec, log, subject, payload);
    }

    /** Four records per container: created, started, exited, and removed for even ones. */
    private void containers(EventLog log, int count) {
        for (int n = 1; n <= count; n++) {
            append(log, id(n), new ContainerCreated("c" + n, "busybox", DIGEST, "runc", DIGEST, RunOptions.defaults(),
                    false));
            append(log, id(n), new ContainerStarted(1000 + n, "runc"));
            append(log, id(n), new ContainerExited(n % 7, 0, false, "2026-11-29T00:00:00Z", null));
            if (n % 2 == 0) {
                append(log, id(n), new ContainerRemoved("c" + n, "berth rm"));
            }
        }
    }

    private JsonNode foldFromNothing(EventLog log, long through) {
        ContainerProjection fresh = new ContainerProjection(codec);
        Projections.replay(log, List.of(fresh), null, through);
        return fresh.snapshot();
    }

    @Test
    void theStateAtAnySequenceIsTheSameFromACheckpointAsFromNothing() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"));
                CheckpointSeries series = new CheckpointSeries(new CheckpointStore(root.resolve("series"),
                        codec.mapper()), 50)) {
            ContainerProjection live = new ContainerProjection(codec);
            Projections projections = new Projections(log, List.of(live),
                    new CheckpointStore(root.resolve("checkpoints"), codec.mapper()), series);
            projections.start();
            containers(log, 120);
            series.flush();
            List<Long> stored = series.sequencesUpTo(Long.MAX_VALUE);
            assertEquals(log.head().sequence() / 50, stored.size(), "one checkpoint every 50 records: " + stored);

            for (long at : List.of(1L, 49L, 50L, 51L, 199L, 333L, log.head().sequence())) {
                long from = series.sequencesUpTo(at).stream().findFirst().orElse(0L);
                ContainerProjection past = new ContainerProjection(codec);
                long replayed = Projections.replay(log, List.of(past), from == 0 ? null : series.read(from).orElseThrow(),
                        at);
                assertTrue(replayed < 50, "at #" + at + " only the records after checkpoint #" + from + ": " + replayed);
                assertEquals(foldFromNothing(log, at), past.snapshot(), "state at #" + at);
            }
            assertEquals(projections.capture().projections().get("containers"),
                    foldFromNothing(log, log.head().sequence()), "the live state is the fold of the whole log");
        }
    }

    @Test
    void aCheckpointThatDoesNotMatchTheLogIsNotTrusted() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"));
                CheckpointSeries series = new CheckpointSeries(new CheckpointStore(root.resolve("series"),
                        codec.mapper()), 50)) {
            Projections projections = new Projections(log, List.of(new ContainerProjection(codec)),
                    new CheckpointStore(root.resolve("checkpoints"), codec.mapper()), series);
            projections.start();
            containers(log, 30);
            series.flush();
            Path file;
            try (Stream<Path> files = Files.list(root.resolve("series"))) {
                file = files.sorted().findFirst().orElseThrow();
            }
            // Another log's checkpoint under the same name: its hash cannot match this log's record.
            String text = Files.readString(file);
            JsonNode parsed = codec.mapper().readTree(text);
            String hash = parsed.path("hash").asText();
            Files.writeString(file, text.replace(hash, "0".repeat(64)));
            CheckpointStore.Checkpoint forged = series.read(50).orElseThrow();
            assertFalse(Projections.matchesLog(log, forged));
            assertTrue(Projections.matchesLog(log, series.read(100).orElseThrow()));

            Files.writeString(file, "{\"format\":1,\"sequence\":");
            assertTrue(series.read(50).isEmpty(), "a torn file reads as absent, not as state");
        }
    }

    @Test
    void theContainerProjectionKeepsOnlyTheNewestRemovedContainers() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"))) {
            ContainerProjection live = new ContainerProjection(codec);
            Projections projections = new Projections(log, List.of(live),
                    new CheckpointStore(root.resolve("checkpoints"), codec.mapper()));
            projections.start();
            int count = 2 * (ContainerProjection.REMOVED_KEPT + 40);
            containers(log, count);
            List<ContainerProjection.Container> all = projections.query(live::all);
            long removed = all.stream().filter(c -> c.status().equals("removed")).count();
            assertEquals(ContainerProjection.REMOVED_KEPT, removed);
            assertEquals(count / 2, all.size() - removed, "every container not removed is kept");
            assertNull(projections.query(() -> live.get(id(2)).orElse(null)), "the oldest removed one is gone");
            assertEquals("removed", projections.query(() -> live.get(id(count)).orElseThrow().status()));

            // The bound survives a checkpoint: the same containers leave next.
            assertTrue(projections.checkpoint());
            ContainerProjection restored = new ContainerProjection(codec);
            restored.restore(live.snapshot());
            assertEquals(live.snapshot(), restored.snapshot());
        }
    }
}
