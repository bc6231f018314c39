package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real docker command-line client (/usr/local/bin/docker) driving the daemon's Docker API socket
 * ({@code <run>/docker.sock}) for containers: run in the foreground and detached, exit codes (also under
 * {@code --rm} and after an OOM kill), ps, inspect, logs, exec, top, stats, stop, kill, restart, wait,
 * create and start -a, attach, a terminal, standard input piped through, exec leaving no process behind,
 * the pull {@code docker run} makes for an image that is not stored, and 501s for what Berth lacks. Skips,
 * printing why, when the docker client is missing or runc cannot run here.
 */
class DockerContainersIT extends ContainerTestBase {
    static final Path DOCKER = Path.of("/usr/local/bin/docker");

    @BeforeEach
    void dockerClientPresent() throws IOException {
        if (!Files.isExecutable(DOCKER)) {
            System.out.println("SKIPPED (docker): " + DOCKER + " is missing");
            assumeTrue(false, DOCKER + " is missing");
        }
        assumeUsable("runc");
    }

    /** Runs the docker client against the daemon's Docker socket, with {@code input} on its standard input. */
    static Cli.Result dockerWithInput(String input, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(DOCKER.toString()));
        command.addAll(List.of(args));
        try {
            return Cli.exec(command, Map.of("DOCKER_HOST", "unix://" + daemon.run.resolve("docker.sock"),
                    "DOCKER_CONFIG", base.resolve("docker-config").toString()), List.of("DOCKER_CONTEXT"), input, 90);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; daemon:\n" + daemon.output(), e);
        }
    }

    static Cli.Result docker(String... args) throws IOException, InterruptedException {
        return dockerWithInput(null, args);
    }


    static JsonNode inspect(String name) throws Exception {
        Cli.Result result = docker("inspect", "--type", "container", name);
        assertEquals(0, result.exit(), result.toString());
        return JSON.readTree(result.stdout()).get(0);
    }

    @Test
    void runInTheForegroundExitsWithTheContainersCodeAndRmRemovesIt() throws Exception {
        Cli.Result run = docker("run", "--rm", "--name", "fg-exit", image(), "sh", "-c",
                "echo out; echo err >&2; exit 3");
        assertEquals(3, run.exit(), run.toString());
        assertEquals("out\n", run.stdout());
        assertTrue(run.stderr().contains("err"), run.stderr());
        Cli.Result ps = docker("ps", "-a", "--format", "{{.Names}}");
        assertEquals(0, ps.exit(), ps.toString());
        assertFalse(ps.stdout().lines().anyMatch("fg-exit"::equals), "--rm removed it: " + ps.stdout());
    }

    @Test
    void detachedContainerThroughPsInspectLogsExecTopStatsStopAndRm() throws Exception {
        Cli.Result run = docker("run", "-d", "--name", "web", "-m", "64m", image(), "sh", "-c",
                "echo hello from web; exec sleep 30");
        assertEquals(0, run.exit(), run.toString());
        String id = run.stdout().strip();
        assertTrue(id.matches("[0-9a-f]{64}"), run.toString());
        try {
            Cli.Result ps = docker("ps");
            assertEquals(0, ps.exit(), ps.toString());
            assertTrue(ps.stdout().contains(id.substring(0, 12)) && ps.stdout().contains("web")
                    && ps.stdout().contains("Up "), ps.stdout());
            JsonNode inspect = inspect("web");
            assertEquals(id, inspect.path("Id").asText());
            assertEquals("running", inspect.path("State").path("Status").asText());
            assertTrue(inspect.path("State").path("Running").asBoolean());
            assertTrue(inspect.path("State").path("Pid").asInt() > 0, inspect.path("State").toString());
            assertEquals(64L << 20, inspect.path("HostConfig").path("Memory").asLong());
            assertEquals("/web", inspect.path("Name").asText());

            Cli.Result logs = waitForLogs("web", "hello from web");
            assertEquals("hello from web\n", logs.stdout());

            Cli.Result exec = docker("exec", "web", "echo", "hi");
            assertEquals(0, exec.exit(), exec.toString());
            assertEquals("hi\n", exec.stdout());
            Cli.Result execFails = docker("exec", "web", "sh", "-c", "exit 6");
            assertEquals(6, execFails.exit(), execFails.toString());

            Cli.Result top = docker("top", "web");
            assertEquals(0, top.exit(), top.toString());
            assertTrue(top.stdout().contains("sleep 30"), top.stdout());

            Cli.Result stats = docker("stats", "--no-stream", "web");
            assertEquals(0, stats.exit(), stats.toString());
            assertTrue(stats.stdout().lines().anyMatch(l -> l.contains("web") && l.contains("64MiB")), stats.stdout());

            Cli.Result stop = docker("stop", "-t", "1", "web");
            assertEquals(0, stop.exit(), stop.toString());
            assertEquals("exited", inspect("web").path("State").path("Status").asText());
            Cli.Result psAll = docker("ps", "-a", "--filter", "name=web", "--format", "{{.Status}}");
            assertTrue(psAll.stdout().startsWith("Exited ("), psAll.toString());
        } finally {
            Cli.Result rm = docker("rm", "-f", "web");
            assertEquals(0, rm.exit(), rm.toString());
        }
        Cli.Result gone = docker("inspect", "--type", "container", "web");
        assertNotEquals(0, gone.exit(), gone.toString());
        assertTrue(gone.stderr().contains("No such container"), gone.stderr());
    }

    private static Cli.Result waitForLogs(String name, String text) throws Exception {
        Cli.Result logs = null;
        for (int i = 0; i < 50; i++) {
            logs = docker("logs", name);
            if (logs.stdout().contains(text)) {
                return logs;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no \"" + text + "\" in the logs: " + logs);
    }

    @Test
    void anOomKillExits137AndInspectSaysOomKilled() throws Exception {
        try {
            Cli.Result run = docker("run", "--name", "hog", "-m", "16m", image(), "sh", "-c",
                    "x=a; while true; do x=$x$x; done");
            assertEquals(137, run.exit(), run.toString());
            JsonNode state = inspect("hog").path("State");
            assertTrue(state.path("OOMKilled").asBoolean(), state.toString());
            assertEquals(137, state.path("ExitCode").asInt(), state.toString());
        } finally {
            docker("rm", "-f", "hog");
        }
    }

    @Test
    void standardInputIsPipedThrough() throws Exception {
        Cli.Result cat = dockerWithInput("piped line one\nline two\n", "run", "--rm", "-i", image(), "cat");
        assertEquals(0, cat.exit(), cat.toString());
        assertEquals("piped line one\nline two\n", cat.stdout());
    }

    @Test
    void createThenStartAttachedThenWait() throws Exception {
        Cli.Result create = docker("create", "--name", "later", image(), "sh", "-c", "echo created then run; exit 4");
        assertEquals(0, create.exit(), create.toString());
        try {
            assertEquals("created", inspect("later").path("State").path("Status").asText());
            Cli.Result start = docker("start", "-a", "later");
            assertEquals(4, start.exit(), start.toString());
            assertEquals("created then run\n", start.stdout());
            Cli.Result waited = docker("wait", "later");
            assertEquals(0, waited.exit(), waited.toString());
            assertEquals("4", waited.stdout().strip());
            Cli.Result again = docker("start", "-a", "later");
            assertEquals(4, again.exit(), "a second start -a waits for the next exit: " + again);
        } finally {
            docker("rm", "-f", "later");
        }
    }

    @Test
    void killWaitAndRestart() throws Exception {
        Cli.Result run = docker("run", "-d", "--name", "victim", image(), "sleep", "300");
        assertEquals(0, run.exit(), run.toString());
        try {
            CompletableFuture<Cli.Result> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return docker("wait", "victim");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            Cli.Result kill = docker("kill", "victim");
            assertEquals(0, kill.exit(), kill.toString());
            Cli.Result waited = waiting.get(60, TimeUnit.SECONDS);
            assertEquals("137", waited.stdout().strip(), waited.toString());
            Cli.Result killAgain = docker("kill", "victim");
            assertNotEquals(0, killAgain.exit(), "not running: " + killAgain);
            Cli.Result restart = docker("restart", "-t", "1", "victim");
            assertEquals(0, restart.exit(), restart.toString());
            JsonNode state = inspect("victim").path("State");
            assertTrue(state.path("Running").asBoolean(), state.toString());
        } finally {
            docker("rm", "-f", "victim");
        }
    }

    @Test
    void execLeavesNoProcessBehind() throws Exception {
        Cli.Result run = docker("run", "-d", "--name", "host-of-execs", image(), "sleep", "300");
        assertEquals(0, run.exit(), run.toString());
        try {
            int init = inspect("host-of-execs").path("State").path("Pid").asInt();
            String namespace = Files.readSymbolicLink(Path.of("/proc", String.valueOf(init), "ns", "pid")).toString();
            Set<Long> before = pids();
            Cli.Result exec = docker("exec", "host-of-execs", "sh", "-c", "echo in $(hostname); sleep 1");
            assertEquals(0, exec.exit(), exec.toString());
            Cli.Result interactive = dockerWithInput("fed to cat\n", "exec", "-i", "host-of-execs", "cat");
            assertEquals("fed to cat\n", interactive.stdout(), interactive.toString());
            Cli.Result detached = docker("exec", "-d", "host-of-execs", "sleep", "1");
            assertEquals(0, detached.exit(), detached.toString());
            List<String> left = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                left = leftBehind(before, namespace, init);
                if (left.isEmpty()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals(List.of(), left, "processes the execs left behind");
        } finally {
            docker("rm", "-f", "host-of-execs");
        }
    }

    /**
     * New processes since {@code before} that belong to the container's pid namespace, or are this daemon's
     * monitors or runtime calls.
     */
    private static List<String> leftBehind(Set<Long> before, String namespace, int init) throws IOException {
        List<String> left = new ArrayList<>();
        for (long pid : pids()) {
            if (before.contains(pid) || pid == init) {
                continue;
            }
            try {
                String ns = Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "ns", "pid")).toString();
                String cmdline = Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline")).replace('\0', ' ');
                // Monitors and runtime processes of this suite's daemon only: other daemons on the machine
                // (another suite, a developer's) have their own, under their own state roots.
                boolean ours = cmdline.contains(daemon.root.toString() + "/");
                if (ns.equals(namespace) || ours && (cmdline.contains("berth-shim") || cmdline.contains("runc"))) {
                    left.add(pid + ": " + cmdline.strip());
                }
            } catch (IOException e) {
                // ended while we looked
            }
        }
        return left;
    }

    private static Set<Long> pids() throws IOException {
        Set<Long> pids = new HashSet<>();
        try (var entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path entry : entries) {
                pids.add(Long.parseLong(entry.getFileName().toString()));
            }
        }
        return pids;
    }

    @Test
    void callsBerthLacksAnswer501NamingThem() throws Exception {
        Cli.Result run = docker("run", "-d", "--name", "still", image(), "sleep", "300");
        assertEquals(0, run.exit(), run.toString());
        try {
            Cli.Result pause = docker("pause", "still");
            assertNotEquals(0, pause.exit(), pause.toString());
            assertTrue(pause.stderr().contains("Berth does not implement POST /containers/still/pause"), pause.stderr());
            Cli.Result ports = docker("run", "--rm", "-p", "8080:80", image(), "true");
            assertEquals(125, ports.exit(), ports.toString());
            assertTrue(ports.stderr().contains("HostConfig.PortBindings"), ports.stderr());
        } finally {
            docker("rm", "-f", "still");
        }
    }

    @Test
    void attachToARunningContainerGetsItsOutputAndExitCode() throws Exception {
        Cli.Result run = docker("run", "-d", "--name", "attached", image(), "sh", "-c", "sleep 2; echo late news; exit 2");
        assertEquals(0, run.exit(), run.toString());
        try {
            Cli.Result attach = docker("attach", "attached");
            assertEquals(2, attach.exit(), attach.toString());
            assertEquals("late news\n", attach.stdout());
        } finally {
            docker("rm", "-f", "attached");
        }
    }

    @Test
    void runPullsAnImageThatIsNotStoredThroughTheDockerApi() throws Exception {
        Cli.Result rmi = docker("rmi", image());
        assertEquals(0, rmi.exit(), rmi.toString());
        Cli.Result run = docker("run", "--rm", image(), "echo", "pulled then ran");
        assertEquals(0, run.exit(), run.toString());
        assertEquals("pulled then ran\n", run.stdout());
        assertTrue(run.stderr().contains("Unable to find image"), run.stderr());
    }

    @Test
    void aTerminalContainerGetsAPty() throws Exception {
        Path script = Path.of("/usr/bin/script");
        assumeTrue(Files.isExecutable(script), "script(1) is missing: no pseudo-terminal for docker run -t");
        ProcessBuilder builder = new ProcessBuilder(script.toString(), "-qec", DOCKER + " run --rm -it " + image()
                + " sh -c 'tty; exit 5'", "/dev/null").redirectErrorStream(true);
        builder.environment().put("DOCKER_HOST", "unix://" + daemon.run.resolve("docker.sock"));
        builder.environment().put("DOCKER_CONFIG", base.resolve("docker-config").toString());
        builder.redirectInput(ProcessBuilder.Redirect.PIPE);
        Process process = builder.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> Cli.read(process.getInputStream()));
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "docker run -it did not end");
        String output = out.join();
        assertEquals(5, process.exitValue(), output);
        assertTrue(output.contains("/dev/pts/"), output);
    }
}
