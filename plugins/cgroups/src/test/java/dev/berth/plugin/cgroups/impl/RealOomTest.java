package dev.berth.plugin.cgroups.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.isolation.Observation;
import dev.berth.api.isolation.ResourceUsage;
import dev.berth.api.isolation.WatchedContainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real kernel: a v1 memory cgroup limited to 32 MiB, a shell in it whose child allocates until the OOM
 * killer kills it while the shell (the container's pid 1 in this picture) lives on; the module's watcher
 * must see the kill and its monitor must read the cgroup's use. Needs root and a v1 memory hierarchy at
 * /sys/fs/cgroup/memory (a hybrid host such as this one); skipped with the reason otherwise.
 */
@Timeout(60)
class RealOomTest {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final String[] CONTROLLERS = {"memory", "pids", "cpuacct"};

    @Test
    void watcherSeesAChildKilledWhilePidOneLives() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create cgroups");
        assumeTrue(new CgroupTree(ROOT).layout() == CgroupTree.Layout.V1,
                "needs a cgroup v1 memory hierarchy at " + ROOT.resolve("memory") + " (this host's layout: "
                        + new CgroupTree(ROOT).layout() + ")");
        for (String controller : CONTROLLERS) {
            assumeTrue(Files.isWritable(ROOT.resolve(controller)), "cannot write " + ROOT.resolve(controller));
        }
        assumeTrue(Files.isExecutable(BUSYBOX), "needs busybox-static at " + BUSYBOX);

        String name = "berth-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        List<Path> made = new ArrayList<>();
        Process shell = null;
        CgroupIsolation module = new CgroupIsolation(ROOT, Path.of("/sys/devices/system/cpu/online"), 50);
        try {
            for (String controller : CONTROLLERS) {
                made.add(Files.createDirectory(ROOT.resolve(controller).resolve(name)));
            }
            Path memory = ROOT.resolve("memory").resolve(name);
            Files.writeString(memory.resolve("memory.limit_in_bytes"), "32m");
            if (Files.exists(memory.resolve("memory.memsw.limit_in_bytes"))) {
                Files.writeString(memory.resolve("memory.memsw.limit_in_bytes"), "32m"); // no swap to hide in
            }
            Files.writeString(ROOT.resolve("pids").resolve(name).resolve("pids.max"), "50");

            BlockingQueue<Observation> seen = new LinkedBlockingQueue<>();
            WatchedContainer container = new WatchedContainer(name, 0, "/" + name, Map.of());
            AutoCloseable handle = module.watch(container, seen::add);

            StringBuilder join = new StringBuilder();
            for (String controller : CONTROLLERS) {
                join.append("echo $$ > ").append(ROOT.resolve(controller).resolve(name).resolve("cgroup.procs")).append("; ");
            }
            // The shell joins the cgroup, reports, then its child tail buffers /dev/zero (no newlines) until killed.
            String script = join + "echo joined; busybox tail /dev/zero; echo survived $?; exec busybox sleep 30";
            shell = new ProcessBuilder(BUSYBOX.toString(), "sh", "-c", script)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("joined", out.readLine());

            Observation oom = seen.poll(30, TimeUnit.SECONDS);
            assertNotNull(oom, "no OOM observation within 30 s; memory.oom_control: "
                    + Files.readString(memory.resolve("memory.oom_control")));
            assertEquals(Observation.OOM, oom.type());
            assertTrue(oom.count() >= 1, oom.toString());
            assertTrue(oom.detail().contains("memory limit 32 MiB"), oom.detail());
            assertEquals("survived 137", out.readLine(), "the child was SIGKILLed and the shell lived on");
            assertTrue(shell.isAlive(), "the shell (pid 1 of this cgroup) survives its child's OOM kill");

            ResourceUsage usage = module.usage(container);
            assertEquals(32L << 20, usage.memoryLimit());
            assertTrue(usage.memoryBytes() > 0 && usage.memoryBytes() <= 32L << 20, usage.toString());
            assertTrue(usage.cpuNanos() > 0, usage.toString());
            assertTrue(usage.pids() >= 1, usage.toString());
            assertEquals(50, usage.pidsLimit());
            handle.close();
        } finally {
            module.close();
            if (shell != null) {
                shell.descendants().forEach(ProcessHandle::destroyForcibly);
                shell.destroyForcibly();
                shell.waitFor(10, TimeUnit.SECONDS);
            }
            List<String> left = new ArrayList<>();
            for (Path dir : made) {
                if (!removeCgroup(dir)) {
                    left.add(dir.toString());
                }
            }
            if (!left.isEmpty()) {
                System.err.println("RealOomTest: could not remove cgroups " + left);
            }
        }
    }

    /** rmdir on a cgroup succeeds once its tasks are gone; they may take a moment to leave. */
    private static boolean removeCgroup(Path dir) throws InterruptedException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return true;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        return false;
    }
}
