package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Load on a real daemon, runc and overlayfs, through the API (no CLI JVM per run): 50 containers started
 * at once and 500 one after another, each exiting with its own code, which {@code wait} must report.
 * Before and after, the daemon's file descriptors and threads, the mounts under the state root and the
 * containers' cgroups are counted: nothing may be left behind. Threads of the pools that grow with concurrent
 * calls and shrink only after 10 to 60 s idle are counted apart, with room for one per concurrent call: how many
 * of them are alive at a given moment depends on timing (CI once saw 151 threads before and 169 after, with no
 * leak). The daemon's RSS is printed. The number of
 * sequential runs can be lowered with {@code -Dberth.load.runs=N} for a quick local run.
 */
class LoadIT extends ContainerTestBase {
    private static final int CONCURRENT = 50;
    private static final int SEQUENTIAL = Integer.getInteger("berth.load.runs", 500);
    /** Every container this test created, to find its cgroups among the host's. */
    private static final java.util.Set<String> CREATED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Threads of the daemon's pools that grow with concurrent calls and end only after being idle for 10 to 60 s
     * (the runtimes' pipe readers, the per-stage pools, the JDK's process reapers, Vert.x's workers), by the
     * first 15 characters of their names, as {@code /proc} shows them.
     */
    private static final List<String> POOLS = List.of("berth-runtime-i", "berth-stage-", "process reaper",
            "vert.x-worker-t", "vert.x-internal", "ForkJoinPool");

    /** What the daemon and the host hold that a container could leak. */
    record Resources(int fds, int threads, int pooledThreads, int mounts, int cgroups, long rssKib) {
        int otherThreads() {
            return threads - pooledThreads;
        }

        String describe() {
            return fds + " fds, " + threads + " threads (" + pooledThreads + " in pools), " + mounts + " mounts, "
                    + cgroups + " cgroups, RSS "
                    + rssKib / 1024 + " MiB";
        }
    }

    @Test
    void fiftyAtOnceAndFiveHundredInARowLeakNothing() throws Exception {
        concurrently(CONCURRENT, 100); // warms the pools up so the baseline holds their threads
        settle();
        Resources before = resources();
        System.out.println("load: before: " + before.describe());

        long started = System.nanoTime();
        concurrently(CONCURRENT, 0);
        long concurrentMillis = (System.nanoTime() - started) / 1_000_000;
        started = System.nanoTime();
        for (int i = 0; i < SEQUENTIAL; i++) {
            int code = i % 200;
            assertEquals(code, runAndWait("seq-" + i, code), "run " + i);
        }
        long sequentialMillis = (System.nanoTime() - started) / 1_000_000;
        settle();
        Resources after = resources();
        System.out.println("load: " + CONCURRENT + " concurrent runs in " + concurrentMillis + " ms, " + SEQUENTIAL
                + " sequential runs in " + sequentialMillis + " ms (" + sequentialMillis / Math.max(1, SEQUENTIAL)
                + " ms each)");
        System.out.println("load: after: " + after.describe());

        assertEquals(before.mounts(), after.mounts(), "mounts under the state root");
        assertEquals(0, after.cgroups(), "cgroups of the " + CREATED.size() + " containers run");
        assertTrue(after.fds() <= before.fds() + 5, "file descriptors: " + before.fds() + " -> " + after.fds());
        // Pools may still hold up to one thread per concurrent call beyond the baseline, depending on when their
        // idle threads end; a thread lost per run would be hundreds. Every other thread must be back.
        assertTrue(after.pooledThreads() <= before.pooledThreads() + CONCURRENT,
                "pool threads: " + before.pooledThreads() + " -> " + after.pooledThreads());
        assertTrue(after.otherThreads() <= before.otherThreads() + 5,
                "threads outside the pools: " + before.otherThreads() + " -> " + after.otherThreads());
        assertEquals(0, containers(true).size(), "every --rm container is gone: " + containers(true));
    }

    /** Starts {@code count} containers at once, each exiting with {@code base + i}, and checks every code. */
    private static void concurrently(int count, int base) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<Integer>> codes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int code = base + i;
                codes.add(pool.submit(() -> runAndWait("par-" + code, code)));
            }
            for (int i = 0; i < count; i++) {
                assertEquals(base + i, codes.get(i).get(5, TimeUnit.MINUTES), "concurrent run " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Creates an auto-removed container that exits with {@code code}, starts it and waits: its exit code. */
    private static int runAndWait(String label, int code) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("image", image()).put("autoRemove", true);
        ObjectNode options = body.putObject("options");
        options.putArray("command").add("sh").add("-c").add("exit " + code);
        UnixHttp http = daemon.http();
        UnixHttp.Response created = http.post("/v1/containers", body.toString());
        assertEquals(201, created.status(), label + ": " + created.body());
        String id = JSON.readTree(created.body()).path("id").asText();
        CREATED.add(id);
        UnixHttp.Response start = http.post("/v1/containers/" + id + "/start", "");
        assertEquals(200, start.status(), label + ": " + start.body());
        UnixHttp.Response waited = http.post("/v1/containers/" + id + "/wait", "");
        assertEquals(200, waited.status(), label + ": " + waited.body());
        return JSON.readTree(waited.body()).path("exitCode").asInt(-1);
    }

    /** Waits until every auto-removed container is gone and the thread pools had time to shrink. */
    private static void settle() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!containers(true).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        Thread.sleep(2_000);
    }

    private static Resources resources() throws IOException {
        Path proc = Path.of("/proc", Long.toString(daemon.pid()));
        int mounts = 0;
        String under = daemon.root.toRealPath().toString() + "/";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.split(" ")[4].startsWith(under)) {
                mounts++;
            }
        }
        long rss = 0;
        for (String line : Files.readAllLines(proc.resolve("status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        int threads = 0;
        int pooled = 0;
        try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
            for (Path task : tasks.toList()) {
                String name;
                try {
                    name = Files.readString(task.resolve("comm")).strip();
                } catch (IOException ended) {
                    continue; // the thread ended while listed
                }
                threads++;
                if (POOLS.stream().anyMatch(name::startsWith)) {
                    pooled++;
                }
            }
        }
        return new Resources(count(proc.resolve("fd")), threads, pooled, mounts, cgroups(), rss);
    }

    /** The cgroups ({@code /berth/<id>}, in every hierarchy) of containers this test created. */
    private static int cgroups() throws IOException {
        int total = 0;
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                Path berth = hierarchy.resolve("berth");
                if (Files.isDirectory(berth)) {
                    try (Stream<Path> entries = Files.list(berth)) {
                        total += (int) entries.filter(Files::isDirectory)
                                .filter(p -> CREATED.contains(p.getFileName().toString())).count();
                    }
                }
            }
        }
        return total;
    }

    private static int count(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return (int) entries.count();
        }
    }
}
