package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Races between a client's request and a runtime that is slow, made deterministic: the daemon's runc plugin
 * is configured (a {@code .cfg} in the plugins folder, as an operator would) to run a wrapper around the real
 * runc that pauses around the start ({@code runc run --detach} from the waiting monitor, or {@code runc start})
 * while a marker file asks it to. CrashIT meets these moments only by chance; here each one is a named test
 * that fails on the engine code before its fix.
 */
class SlowRuntimeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static DemoRegistry registry;
    private static Path base;
    private static Path wrapper;

    @BeforeAll
    static void buildWrapperAndRegistry() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "containers need root");
        Path runc = List.of(Path.of("/usr/sbin/runc"), Path.of("/usr/bin/runc")).stream().filter(Files::isExecutable)
                .findFirst().orElseThrow(() -> new AssertionError("runc is missing: run .ci/install-deps"));
        registry = DemoRegistry.start();
        base = Files.createTempDirectory("berth-slow-runtime-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
        wrapper = base.resolve("slow-runc");
        // "pause-before-start" and "pause-after-start" hold seconds to sleep before or after the real start: the
        // monitor's `run --detach`, which creates and starts in one, or `start` of a container created before.
        Files.writeString(wrapper, """
                #!/bin/sh
                dir=$(dirname "$0")
                for arg in "$@"; do
                  if [ "$arg" = start ] || [ "$arg" = run ]; then
                    [ -f "$dir/pause-before-start" ] && sleep "$(cat "$dir/pause-before-start")"
                    %s "$@"
                    code=$?
                    [ -f "$dir/pause-after-start" ] && sleep "$(cat "$dir/pause-after-start")"
                    exit $code
                  fi
                done
                exec %s "$@"
                """.formatted(runc, runc), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void stopRegistry() throws IOException {
        if (registry != null) {
            registry.close();
            registry = null;
        }
    }

    /** A daemon of its own whose runc plugin runs the wrapper (checked before it is used). */
    private static Daemon slowDaemon(String name) throws Exception {
        Path own = Files.createDirectories(base.resolve(name));
        Daemon daemon = new Daemon(own);
        try {
            daemon.start();
            // Configured while the daemon runs, as an operator reconfigures a plugin: the runc plugin is
            // re-created with the wrapper (a .cfg present at the start was once, in 13 runs, not applied
            // within 20 s; that start-up path is not what these tests are about).
            Files.writeString(daemon.plugins.resolve("dev.berth.plugin.runc.impl.RuncRuntime.cfg"),
                    "berth.runtime.binary=" + wrapper + "\n", StandardCharsets.UTF_8);
            awaitRuncPath(daemon);
            Cli.Result pull = daemon.cli("pull", registry.busybox());
            assertEquals(0, pull.exit(), pull.toString());
            return daemon;
        } catch (Exception | AssertionError e) {
            daemon.close(); // the caller never gets it to close
            throw e;
        }
    }

    private static void awaitRuncPath(Daemon daemon) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String seen = "";
        while (System.nanoTime() < deadline) {
            UnixHttp.Response info = daemon.http().get("/v1/runtimes");
            for (JsonNode r : JSON.readTree(info.body()).path("runtimes")) {
                if (r.path("name").asText().equals("runc")) {
                    seen = r.toString();
                    if (r.path("path").asText().equals(wrapper.toString()) && r.path("usable").asBoolean()) {
                        return;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the runc plugin never took the wrapper from its configuration: " + seen
                + "\nconfiguration files: " + listing(daemon.plugins) + "\ndaemon output:\n" + daemon.output());
    }

    private static String listing(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList().toString();
        }
    }

    private static void pause(String which, String seconds) throws IOException {
        Files.writeString(base.resolve(which), seconds, StandardCharsets.UTF_8);
    }

    private static void noPauses() throws IOException {
        Files.deleteIfExists(base.resolve("pause-before-start"));
        Files.deleteIfExists(base.resolve("pause-after-start"));
    }

    /**
     * {@code berth start NAME} on a thread of its own, held 3 s in the wrapper before {@code runc start};
     * returns once it is held there (1 s in), with its answer to come.
     */
    private static CompletableFuture<Cli.Result> startHeldBeforeRunc(Daemon daemon, String name) throws Exception {
        pause("pause-before-start", "3");
        CompletableFuture<Cli.Result> start = CompletableFuture.supplyAsync(() -> {
            try {
                return daemon.cli("start", name);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1_000);
        assertFalse(start.isDone(), "the start did not wait in the wrapper: " + (start.isDone() ? start.join() : ""));
        return start;
    }

    /** {@code berth create --runtime runc --name NAME busybox sleep 300}; returns the container id. */
    private static String createSleeper(Daemon daemon, String name) throws Exception {
        Cli.Result created = daemon.cli("create", "--runtime", "runc", "--name", name, registry.busybox(), "sleep", "300");
        assertEquals(0, created.exit(), created.toString());
        return created.stdout().strip();
    }

    private static JsonNode state(Daemon daemon, String name) throws Exception {
        Cli.Result inspect = daemon.cli("inspect", name);
        assertEquals(0, inspect.exit(), inspect.toString());
        return JSON.readTree(inspect.stdout()).get(0).path("state");
    }

    /**
     * A stop that arrives while another client's start of the same container is under way waits for that
     * start and then stops the container: the stop's client is told it stopped, so it must not run on.
     * Before the fix the stop answered at once ("not running") and the start logged the container running.
     */
    @Test
    void aStopDuringAStartWaitsForItAndEndsTheContainerStopped() throws Exception {
        try (Daemon daemon = slowDaemon("stop-during-start")) {
            try {
                createSleeper(daemon, "raced");
                CompletableFuture<Cli.Result> start = startHeldBeforeRunc(daemon, "raced");
                Cli.Result stop = daemon.cli("stop", "-t", "1", "raced");
                Cli.Result started = start.get(60, TimeUnit.SECONDS);
                assertEquals(0, started.exit(), started.toString());
                assertEquals(0, stop.exit(), stop.toString());
                JsonNode state = state(daemon, "raced");
                assertFalse(state.path("running").asBoolean(), "acknowledged stopped, yet running: " + state
                        + "\n" + daemon.cli("history", "raced").stdout());
                String history = daemon.cli("events", "--filter", "type=container.started",
                        "--filter", "type=container.exited").stdout();
                assertTrue(history.indexOf("container.started") >= 0
                        && history.indexOf("container.exited") > history.indexOf("container.started"),
                        "the log must have the start, then the exit:\n" + history);
            } finally {
                noPauses();
                daemon.cli("rm", "-f", "raced");
            }
        }
    }

    /**
     * {@code rm -f} while another client's start of the container is under way: as with Docker, the container
     * is killed and removed, and nothing of it is left (runtime state, mount, folder). Before the fix the
     * removal waited for the start and then refused: "was started again meanwhile; try again".
     */
    @Test
    void aForcedRemovalDuringAStartKillsAndRemovesTheContainer() throws Exception {
        try (Daemon daemon = slowDaemon("rm-during-start")) {
            try {
                String id = createSleeper(daemon, "doomed");
                CompletableFuture<Cli.Result> start = startHeldBeforeRunc(daemon, "doomed");
                Cli.Result rm = daemon.cli("rm", "-f", "doomed");
                start.get(60, TimeUnit.SECONDS); // its answer may be either: the removal came while it ran
                assertEquals(0, rm.exit(), rm.toString());
                Cli.Result ps = daemon.cli("ps", "-a", "--format", "json");
                assertFalse(ps.stdout().contains(id), "rm -f acknowledged, yet listed: " + ps.stdout());
                assertFalse(Files.exists(daemon.root.resolve("containers").resolve(id)), "its folder is left");
                assertFalse(Files.exists(daemon.root.resolve("runtimes/runc").resolve(id)), "runc's state is left");
                assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(id), "its mount is left");
            } finally {
                noPauses();
                daemon.cli("rm", "-f", "doomed");
            }
        }
    }

    /**
     * The daemon is killed after the runtime started a container and before {@code container.started} was
     * logged. After the restart the log has the container created; the first request about it, made at once,
     * must already see it running, with the runtime's pid, and be able to stop it. Whichever comes first does
     * it: the adoption of the runtime's containers at the start, or the one a request makes before it uses
     * a container the engine has not settled yet. Without both (tried) the request sees it "created".
     */
    @Test
    void aStartTheLogMissedIsAdoptedBeforeTheFirstRequestAfterARestart() throws Exception {
        try (Daemon daemon = slowDaemon("adopt-before-use")) {
            try {
                String id = createSleeper(daemon, "unlogged");
                // The container's monitor waits for the wrapper, as for any runtime process, before it answers the
                // start and before it can record an exit: 5 s hold the answer well past the kill below, and end
                // before the stop after the restart gives up waiting for the exit (1 s, then 10 s after SIGKILL).
                pause("pause-after-start", "5");
                CompletableFuture.runAsync(() -> {
                    try {
                        daemon.cli("start", "unlogged");
                    } catch (IOException | InterruptedException e) {
                        // the daemon is killed under it: its answer does not matter
                    }
                });
                int pid = awaitRunningInRunc(daemon, id);
                daemon.kill();
                noPauses();
                daemon.start();
                JsonNode state = state(daemon, "unlogged");
                assertTrue(state.path("running").asBoolean(), "the first request after the restart: " + state);
                assertEquals(pid, state.path("pid").asInt(), state.toString());
                Cli.Result stop = daemon.cli("stop", "-t", "1", "unlogged");
                assertEquals(0, stop.exit(), stop.toString());
                assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "stop left pid " + pid);
                String history = daemon.cli("history", "unlogged").stdout();
                assertTrue(history.contains("container.started") && history.contains("container.exited"), history);
            } finally {
                noPauses();
                daemon.cli("rm", "-f", "unlogged");
            }
        }
    }

    /** Waits until runc itself (not the daemon) says the container runs, and returns its pid. */
    private static int awaitRunningInRunc(Daemon daemon, String id) throws Exception {
        Path runtimeRoot = daemon.root.resolve("runtimes").resolve("runc");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "";
        while (System.nanoTime() < deadline) {
            Cli.Result state = Cli.exec(List.of(wrapper.toString(), "--root", runtimeRoot.toString(), "state", id),
                    java.util.Map.of(), List.of(), null, 10);
            last = state.toString();
            if (state.exit() == 0 && JSON.readTree(state.stdout()).path("status").asText().equals("running")) {
                return JSON.readTree(state.stdout()).path("pid").asInt();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("runc never ran " + id + ": " + last);
    }
}
