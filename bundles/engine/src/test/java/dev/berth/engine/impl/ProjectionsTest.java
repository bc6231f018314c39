package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.ImagePulled;
import dev.berth.api.events.ImageTagged;
import dev.berth.api.events.ImageUntagged;
import dev.berth.api.events.NoteAdded;
import dev.berth.api.events.PluginInstalled;
import dev.berth.api.events.PluginStarted;
import dev.berth.api.events.PluginStopped;
import dev.berth.api.events.PluginUninstalled;
import dev.berth.api.events.PluginUpdated;
import dev.berth.eventlog.impl.SegmentedEventLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Projections over the real event log: replay, checkpoints that match or not, and determinism. */
class ProjectionsTest {
    @TempDir
    Path root;

    private final EventCodec codec = new EventCodec();

    private record Engine(PluginProjection plugins, ImageProjection images, Projections projections) {
        JsonNode state() {
            return projections.query(() -> {
                com.fasterxml.jackson.databind.node.ObjectNode both =
                        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                both.set("plugins", plugins.snapshot());
                both.set("images", images.snapshot());
                return both;
            });
        }
    }

    private Engine start(EventLog log) {
        PluginProjection plugins = new PluginProjection(codec);
        ImageProjection images = new ImageProjection(codec);
        Projections projections = new Projections(log, List.of(plugins, images),
                new CheckpointStore(root.resolve("checkpoints"), codec.mapper()));
        projections.start();
        return new Engine(plugins, images, projections);
    }

    private void append(EventLog log, String subject, Record payload) {
        log.append(codec.draft(subject, payload)).toCompletableFuture().join();
    }

    /** A random but reproducible plugin history over a handful of ids, with unrelated events mixed in. */
    private void randomHistory(EventLog log, long seed, int steps) {
        Random random = new Random(seed);
        for (int i = 0; i < steps; i++) {
            String id = "plugin-" + random.nextInt(6);
            String digest = "sha256:" + String.format("%064x", random.nextInt(4));
            switch (random.nextInt(9)) {
                case 0 -> append(log, id, new PluginInstalled("1." + i, "stage", "file:/p/" + id + ".jar"));
                case 1 -> append(log, id, new PluginUpdated("1.0", "2." + i, "file:/p/" + id + "-2.jar"));
                case 2 -> append(log, id, new PluginStarted("1." + i));
                case 3 -> append(log, id, new PluginStopped("1." + i));
                case 4 -> append(log, id, new PluginUninstalled("1." + i));
                case 5 -> append(log, digest, new ImagePulled("r/" + id + ":latest", digest,
                        "application/vnd.oci.image.manifest.v1+json", digest, "linux/amd64", List.of(digest),
                        List.of(digest), i));
                case 6 -> append(log, "r/" + id, new ImageTagged("r/" + id + ":latest", digest));
                case 7 -> append(log, "r/" + id, new ImageUntagged("r/" + id + ":latest", digest));
                default -> append(log, "note", new NoteAdded("step " + i));
            }
        }
    }

    @Test
    void liveStateEqualsAFullReplayFromNothing() throws Exception {
        JsonNode live;
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"))) {
            Engine engine = start(log);
            randomHistory(log, 42, 400);
            live = engine.state();
            assertEquals(log.head().sequence(), engine.projections().applied());
            engine.projections().stop();
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"))) {
            Engine replayed = start(log);
            assertEquals(live, replayed.state());
            assertTrue(replayed.projections().startReport().contains("replayed 400 records"),
                    replayed.projections().startReport());
        }
    }

    @Test
    void aMatchingCheckpointIsRestoredAndOnlyTheRestReplayed() throws Exception {
        JsonNode expected;
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"))) {
            Engine engine = start(log);
            randomHistory(log, 7, 300);
            assertTrue(engine.projections().checkpoint());
            assertFalse(engine.projections().checkpoint(), "nothing new since the last checkpoint");
            randomHistory(log, 8, 25);
            expected = engine.state();
            engine.projections().stop();
        }
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"))) {
            Engine restored = start(log);
            assertEquals("checkpoint restored at #300, replayed 25 records", restored.projections().startReport());
            assertEquals(expected, restored.state());
        }
    }

    @Test
    void aCheckpointThatDoesNotMatchTheLogIsIgnored() throws Exception {
        JsonNode expected;
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"))) {
            Engine engine = start(log);
            randomHistory(log, 9, 50);
            engine.projections().checkpoint();
            expected = engine.state();
            engine.projections().stop();
        }
        Path file = root.resolve("checkpoints/engine.json");
        String original = Files.readString(file);
        // Same sequence, another hash: a checkpoint from a different log must not be trusted.
        String hash = codec.mapper().readTree(original).get("hash").asText();
        Files.writeString(file, original.replace(hash, "f".repeat(64)));
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"))) {
            Engine engine = start(log);
            assertTrue(engine.projections().startReport().startsWith("checkpoint ignored: checkpoint at #50 does not match"),
                    engine.projections().startReport());
            assertEquals(expected, engine.state());
        }
        Files.writeString(file, "{ not json");
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"))) {
            Engine engine = start(log);
            assertTrue(engine.projections().startReport().startsWith("checkpoint ignored"),
                    engine.projections().startReport());
            assertEquals(expected, engine.state());
        }
    }

    @Test
    void recordsAppendedWhileStartingAreAppliedExactlyOnce() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"))) {
            randomHistory(log, 11, 2_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> randomHistory(log, 12, 200));
            Engine engine = start(log);
            writer.join();
            // Let the last acknowledged records reach the subscriber.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (engine.projections().applied() < log.head().sequence() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(log.head().sequence(), engine.projections().applied());
            JsonNode live = engine.state();
            engine.projections().stop();
            Engine replayed = start(log);
            assertEquals(live, replayed.state());
        }
    }
}
