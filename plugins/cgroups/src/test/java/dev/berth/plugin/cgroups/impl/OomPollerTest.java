package dev.berth.plugin.cgroups.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.isolation.Observation;
import dev.berth.api.isolation.WatchedContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The shared OOM poller against fake v1 and v2 cgroup trees. */
@Timeout(30)
class OomPollerTest {
    @TempDir
    Path root;

    @Test
    void reportsEachIncreaseOnceOnV1() throws Exception {
        FakeCgroups.v1(root);
        Path memory = FakeCgroups.v1Container(root, "/berth/a", "cpuacct");
        BlockingQueue<Observation> seen = new LinkedBlockingQueue<>();
        try (OomPoller poller = new OomPoller(new CgroupTree(root), 20, 1_000)) {
            AutoCloseable handle = poller.watch(container("a"), seen::add);
            assertTrue(poller.polling());
            assertNull(seen.poll(200, TimeUnit.MILLISECONDS), "no kill yet");
            Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
            Observation first = seen.poll(5, TimeUnit.SECONDS);
            assertEquals(new Observation(Observation.OOM, 1,
                    "the OOM killer killed a process in the container (oom_kill 1, memory limit 64 MiB)"), first);
            assertNull(seen.poll(200, TimeUnit.MILLISECONDS), "one kill, one observation");
            Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
            assertEquals(3, seen.poll(5, TimeUnit.SECONDS).count());
            handle.close();
            Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
            assertNull(seen.poll(200, TimeUnit.MILLISECONDS), "closed: no more observations");
            assertEquals(0, poller.watching());
            waitFor(() -> !poller.polling());
        }
    }

    @Test
    void reportsOnV2() throws Exception {
        FakeCgroups.v2(root);
        Path dir = FakeCgroups.v2Container(root, "/berth/b");
        BlockingQueue<Observation> seen = new LinkedBlockingQueue<>();
        try (OomPoller poller = new OomPoller(new CgroupTree(root), 20, 1_000)) {
            poller.watch(container("b"), seen::add);
            Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
            Observation o = seen.poll(5, TimeUnit.SECONDS);
            assertEquals(1, o.count());
            assertTrue(o.detail().contains("memory limit 32 MiB"), o.detail());
        }
    }

    @Test
    void killsBetweenTheStartAndTheWatchAreReportedAsTheTotal() throws Exception {
        FakeCgroups.v1(root);
        Path memory = FakeCgroups.v1Container(root, "/berth/c", "cpuacct");
        Files.writeString(memory.resolve("memory.oom_control"), "oom_kill 2\n");
        BlockingQueue<Observation> seen = new LinkedBlockingQueue<>();
        try (OomPoller poller = new OomPoller(new CgroupTree(root), 20, 1_000)) {
            poller.watch(container("c"), seen::add);
            Observation first = seen.poll(5, TimeUnit.SECONDS);
            assertEquals(2, first.count(), "the cgroup's total, which the engine logs once");
            assertNull(seen.poll(200, TimeUnit.MILLISECONDS), "an unchanged total is not reported again");
        }
    }

    @Test
    void closingTakesALastLook() throws Exception {
        FakeCgroups.v1(root);
        Path memory = FakeCgroups.v1Container(root, "/berth/d", "cpuacct");
        BlockingQueue<Observation> seen = new LinkedBlockingQueue<>();
        try (OomPoller poller = new OomPoller(new CgroupTree(root), 60_000, 1_000)) {
            AutoCloseable handle = poller.watch(container("d"), seen::add);
            Files.writeString(memory.resolve("memory.oom_control"), "oom_kill 1\n");
            handle.close(); // the poller sleeps a minute: only the last look can see it
            assertEquals(1, seen.poll(1, TimeUnit.SECONDS).count());
        }
    }

    @Test
    void aVanishedCgroupEndsTheWatchAndTheThread() throws Exception {
        FakeCgroups.v1(root);
        Path memory = FakeCgroups.v1Container(root, "/berth/e", "cpuacct");
        try (OomPoller poller = new OomPoller(new CgroupTree(root), 20, 60_000)) {
            poller.watch(container("e"), o -> { });
            assertEquals(1, poller.watching());
            Files.delete(memory.resolve("memory.oom_control"));
            waitFor(() -> poller.watching() == 0);
            waitFor(() -> !poller.polling());
        }
    }

    @Test
    void aCgroupThatNeverAppearsEndsAfterTheGrace() throws Exception {
        FakeCgroups.v1(root);
        try (OomPoller poller = new OomPoller(new CgroupTree(root), 20, 300)) {
            poller.watch(container("never"), o -> { });
            assertEquals(1, poller.watching());
            waitFor(() -> poller.watching() == 0);
        }
    }

    @Test
    void aLateCgroupIsPickedUpWithinTheGrace() throws Exception {
        FakeCgroups.v1(root);
        BlockingQueue<Observation> seen = new LinkedBlockingQueue<>();
        try (OomPoller poller = new OomPoller(new CgroupTree(root), 20, 10_000)) {
            poller.watch(container("late"), seen::add);
            Path memory = FakeCgroups.v1Container(root, "/berth/late", "cpuacct");
            Thread.sleep(100);
            Files.writeString(memory.resolve("memory.oom_control"), "oom_kill 1\n");
            assertEquals(1, seen.poll(5, TimeUnit.SECONDS).count());
        }
    }

    @Test
    void oneThreadForManyContainersAndCloseStopsIt() throws Exception {
        FakeCgroups.v1(root);
        BlockingQueue<Thread> threads = new LinkedBlockingQueue<>();
        OomPoller poller = new OomPoller(new CgroupTree(root), 20, 10_000);
        for (int i = 0; i < 20; i++) {
            FakeCgroups.v1Container(root, "/berth/m" + i, "cpuacct");
            poller.watch(container("m" + i), o -> threads.add(Thread.currentThread()));
        }
        for (int i : new int[] {3, 7, 15}) {
            Files.writeString(root.resolve("memory/berth/m" + i + "/memory.oom_control"), "oom_kill 1\n");
        }
        Set<Thread> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            seen.add(threads.poll(5, TimeUnit.SECONDS));
        }
        assertEquals(1, seen.size(), "three containers, one poller thread: " + seen);
        Thread thread = seen.iterator().next();
        assertTrue(thread.isDaemon());
        assertEquals("berth-cgroups-oom-poller", thread.getName());
        poller.close();
        assertFalse(poller.polling());
        assertFalse(thread.isAlive());
        assertEquals(0, poller.watching());
        assertTrue(poller.watch(container("m1"), o -> { }) != null, "a closed poller still answers");
        assertEquals(0, poller.watching());
    }

    @Test
    void aFailingObserverDoesNotStopThePoller() throws Exception {
        FakeCgroups.v1(root);
        Path bad = FakeCgroups.v1Container(root, "/berth/bad", "cpuacct");
        Path good = FakeCgroups.v1Container(root, "/berth/good", "cpuacct");
        BlockingQueue<Observation> seen = new LinkedBlockingQueue<>();
        try (OomPoller poller = new OomPoller(new CgroupTree(root), 20, 10_000)) {
            poller.watch(container("bad"), o -> {
                throw new IllegalStateException("observer broke");
            });
            poller.watch(container("good"), seen::add);
            Files.writeString(bad.resolve("memory.oom_control"), "oom_kill 1\n");
            Thread.sleep(100);
            Files.writeString(good.resolve("memory.oom_control"), "oom_kill 1\n");
            assertEquals(1, seen.poll(5, TimeUnit.SECONDS).count());
        }
    }

    private static WatchedContainer container(String id) {
        return new WatchedContainer(id, 1, "/berth/" + id, Map.of());
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(10);
        }
    }
}
