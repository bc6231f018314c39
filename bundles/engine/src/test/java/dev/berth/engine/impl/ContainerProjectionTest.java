package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.container.RunOptions;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.ContainerCreated;
import dev.berth.api.events.ContainerExited;
import dev.berth.api.events.ContainerRemoved;
import dev.berth.api.events.ContainerStarted;
import dev.berth.api.events.RootfsMounted;
import dev.berth.api.events.RootfsUnmounted;
import dev.berth.api.events.RuntimeDefaultChanged;
import dev.berth.api.events.SpecGenerated;
import dev.berth.eventlog.impl.SegmentedEventLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import dev.berth.api.events.ContainerOom;
import dev.berth.api.isolation.ModuleRecord;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container projection folded from real log records: lifecycle, replay determinism, checkpoints. */
class ContainerProjectionTest {
    static final String DIGEST = "sha256:" + "a".repeat(64);

    @TempDir
    Path root;

    private final EventCodec codec = new EventCodec();

    /** The container id numbered {@code n}: 64 hex digits. */
    static String id(int n) {
        return String.format("%064x", n);
    }

    private void append(EventLog log, String subject, Record payload) {
        append(codec, log, subject, payload);
    }

    /** Appends {@code payload} about {@code subject} and waits until it is durable. */
    static void append(EventCodec codec, EventLog log, String subject, Record payload) {
        log.append(codec.draft(subject, payload)).toCompletableFuture().join();
    }

    private void lifecycle(EventLog log, String id, boolean remove) {
        append(log, id, new RootfsMounted("overlay", "/r/mounts/" + id + "/merged", 1));
        append(log, id, new SpecGenerated(DIGEST, List.of("sh", "-c", "exit 3"), 0, 0, "/", List.of("no seccomp"),
                List.of(new ModuleRecord("selinux", "0.1.0", 400, List.of(), List.of("left out"),
                        Map.of("level", "s0:c1,c" + (2 + id.charAt(63)))))));
        append(log, id, new ContainerCreated("c-" + id.substring(60), "busybox", DIGEST, "runc", DIGEST,
                RunOptions.defaults(), false));
        append(log, id, new ContainerStarted(4242, "runc"));
        append(log, id, new ContainerOom("cgroups", 1, "a child was killed"));
        append(log, id, new ContainerExited(3, 0, false, "2026-11-29T00:00:00Z", null));
        append(log, id, new RootfsUnmounted("overlay", "container exited"));
        if (remove) {
            append(log, id, new ContainerRemoved("c-" + id.substring(60), "berth rm"));
        }
    }

    @Test
    void foldsALifecycleAndKeepsRemovedContainersForLateWaiters() throws Exception {
        try (SegmentedEventLog log = SegmentedEventLog.open(root.resolve("events"))) {
            ContainerProjection containers = new ContainerProjection(codec);
            Projections projections = new Projections(log, List.of(containers),
                    new CheckpointStore(root.resolve("checkpoints"), codec.mapper()));
            projections.start();
            lifecycle(log, id(1), false);
            append(log, "crun", new RuntimeDefaultChanged("crun", null));
            ContainerProjection.Container c = projections.query(() -> containers.get(id(1))).orElseThrow();
            assertEquals("exited", c.status());
            assertEquals(3, c.exitCode());
            assertTrue(c.oomKilled(), "an OOM kill seen while running counts even when the exit does not say so");
            assertEquals("s0:c1,c51", c.module("selinux").orElseThrow().facts().get("level"));
            assertEquals(1, projections.query(() -> containers.oomKills(id(1))), "the last OOM count logged");
            lifecycle(log, id(2), false);
            append(log, id(2), new ContainerStarted(4243, "runc"));
            assertEquals(0, projections.query(() -> containers.oomKills(id(2))), "a new run counts from zero");
            assertFalse(projections.query(() -> containers.get(id(2))).orElseThrow().oomKilled());
            assertFalse(c.mounted());
            assertEquals(List.of("sh", "-c", "exit 3"), c.args());
            assertEquals("crun", projections.query(containers::defaultRuntime));
            append(log, id(1), new ContainerRemoved("c-1", "berth rm"));
            assertEquals("removed", projections.query(() -> containers.get(id(1))).orElseThrow().status());
            assertEquals(3, projections.query(() -> containers.get(id(1))).orElseThrow().exitCode());
            projections.stop();
        }
    }

    @Test
    void replayFromEmptyAndFromACheckpointGiveTheLiveState() throws Exception {
        Path events = root.resolve("events");
        String live;
        try (SegmentedEventLog log = SegmentedEventLog.open(events)) {
            ContainerProjection containers = new ContainerProjection(codec);
            Projections projections = new Projections(log, List.of(containers),
                    new CheckpointStore(root.resolve("checkpoints"), codec.mapper()));
            projections.start();
            Random random = new Random(7);
            for (int i = 0; i < 40; i++) {
                lifecycle(log, id(random.nextInt(12)), random.nextBoolean());
                if (i == 20) {
                    assertTrue(projections.checkpoint());
                }
            }
            append(log, id(99), new RootfsMounted("copy", "/r/mounts/x", 2)); // a creation cut short
            live = projections.query(() -> containers.snapshot().toString());
            projections.stop();
        }
        for (boolean fromCheckpoint : List.of(true, false)) {
            try (SegmentedEventLog log = SegmentedEventLog.open(events)) {
                ContainerProjection containers = new ContainerProjection(codec);
                Path checkpoints = fromCheckpoint ? root.resolve("checkpoints") : root.resolve("none");
                Projections projections = new Projections(log, List.of(containers),
                        new CheckpointStore(checkpoints, codec.mapper()));
                projections.start();
                assertEquals(live, projections.query(() -> containers.snapshot().toString()),
                        fromCheckpoint ? "from the checkpoint" : "from an empty state");
                assertEquals(List.of(id(99)), projections.query(containers::pendingIds));
                projections.stop();
            }
        }
    }
}
