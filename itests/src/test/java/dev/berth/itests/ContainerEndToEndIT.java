package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.schemas.RuntimeSpecSchemas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Containers end to end, as root, through the real daemon and CLI: real runc and crun, real overlayfs, the
 * demo busybox image served by a registry on 127.0.0.1. Every runtime test runs with runc and with crun;
 * crun's runs skip, printing the daemon's reason, on a host where crun cannot run (hybrid cgroups).
 */
class ContainerEndToEndIT extends ContainerTestBase {

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void exitCodesPropagateAndRmLeavesNothing(String runtime) throws Exception {
        assumeUsable(runtime);
        Cli.Result result = berth(run(runtime, "--rm", image(), "sh", "-c", "echo out; echo err >&2; exit 7"));
        assertEquals(7, result.exit(), result.toString());
        assertEquals("out\n", result.stdout());
        assertTrue(result.stderr().contains("err"), result.stderr());
        Cli.Result ok = berth(run(runtime, "--rm", image(), "true"));
        assertEquals(0, ok.exit(), ok.toString());
        for (JsonNode c : containers(true)) {
            assertNotEquals(List.of("sh", "-c", "echo out; echo err >&2; exit 7"), c.path("command"));
        }
        assertNoMountsLeftBehind();
    }

    /**
     * An attach to a created container starts its monitor, which waits for the start (the runtime holds
     * nothing yet) for 300 s; a start after that, here after the monitor was made to end, gets a new one
     * and runs.
     */
    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void aCreatedContainerStartsAfterItsWaitingMonitorEnded(String runtime) throws Exception {
        assumeUsable(runtime);
        Cli.Result created = berth("create", "--runtime", runtime, image(), "sh", "-c", "echo started late");
        assertEquals(0, created.exit(), created.toString());
        String id = created.stdout().strip();
        UnixHttp.Response attach = daemon.http().post("/v1/containers/" + id + "/attach", "");
        assertEquals(200, attach.status(), attach.body());
        Path pidFile = daemon.root.resolve("containers").resolve(id).resolve("shim").resolve("shim.pid");
        assertTrue(Files.exists(pidFile), "no monitor was started for the attach");
        ProcessHandle monitor = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).orElseThrow();
        assertTrue(monitor.info().command().orElse("").contains("berth-shim"), monitor.info().toString());
        monitor.destroy(); // as when it waited longer than 300 s
        monitor.onExit().get(10, TimeUnit.SECONDS);
        Cli.Result started = berth("start", "-a", id);
        assertEquals(0, started.exit(), started.toString());
        assertEquals("started late\n", started.stdout());
        Cli.Result removed = berth("rm", id);
        assertEquals(0, removed.exit(), removed.toString());
        assertNoMountsLeftBehind();
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void pidOneHostnameEnvAndWorkingDirectory(String runtime) throws Exception {
        assumeUsable(runtime);
        Cli.Result result = berth(run(runtime, "--rm", "--hostname", "berthbox", "-e", "GREETING=ahoy", "-w", "/tmp",
                image(), "sh", "-c", "echo $$ $(hostname) $GREETING $(pwd) $(cat /etc/hostname) $(id -u)"));
        assertEquals(0, result.exit(), result.toString());
        assertEquals("1 berthbox ahoy /tmp berthbox 0", result.stdout().strip());
        Cli.Result user = berth(run(runtime, "--rm", "-u", "nobody", image(), "id"));
        assertEquals(0, user.exit(), user.toString());
        assertTrue(user.stdout().contains("uid=65534"), user.stdout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void readOnlyRootAndVolumes(String runtime) throws Exception {
        assumeUsable(runtime);
        Cli.Result readOnly = berth(run(runtime, "--rm", "--read-only", image(), "touch", "/x"));
        assertNotEquals(0, readOnly.exit(), readOnly.toString());
        assertTrue(readOnly.stderr().contains("Read-only file system"), readOnly.stderr());
        Path host = Files.createTempDirectory(base, "volume-");
        Files.writeString(host.resolve("in.txt"), "from the host\n");
        Cli.Result rw = berth(run(runtime, "--rm", "-v", host + ":/data", image(), "sh", "-c",
                "cat /data/in.txt; echo from the container > /data/out.txt"));
        assertEquals(0, rw.exit(), rw.toString());
        assertEquals("from the host\n", rw.stdout());
        assertEquals("from the container\n", Files.readString(host.resolve("out.txt")));
        Cli.Result ro = berth(run(runtime, "--rm", "-v", host + ":/data:ro", image(), "touch", "/data/nope"));
        assertNotEquals(0, ro.exit(), ro.toString());
        assertFalse(Files.exists(host.resolve("nope")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void detachedLogsStopAndInspect(String runtime) throws Exception {
        assumeUsable(runtime);
        String name = "logs-" + runtime;
        Cli.Result started = berth(run(runtime, "-d", "--name", name, image(), "sh", "-c",
                "echo started; echo warned >&2; trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done"));
        assertEquals(0, started.exit(), started.toString());
        String id = started.stdout().strip();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        awaitLog(name, "started");
        Cli.Result ps = berth("ps");
        assertTrue(ps.stdout().contains(name), ps.stdout());
        assertTrue(ps.stdout().contains("Up"), ps.stdout());
        Cli.Result stop = berth("stop", "-t", "5", name);
        assertEquals(0, stop.exit(), stop.toString());
        Cli.Result logs = berth("logs", name);
        assertTrue(logs.stdout().contains("started") && logs.stdout().contains("bye"), logs.toString());
        assertTrue(logs.stderr().contains("warned"), logs.toString());
        Cli.Result tail = berth("logs", "--tail", "1", name);
        assertEquals("bye", tail.stdout().strip(), tail.toString());
        JsonNode inspect = JSON.readTree(berth("inspect", name).stdout()).get(0);
        assertEquals(0, inspect.path("state").path("exitCode").asInt(-99), inspect.toString());
        assertEquals(runtime, inspect.path("runtime").asText());
        assertTrue(inspect.path("specDigest").asText().startsWith("sha256:"), inspect.toString());
        assertEquals(0, berth("rm", name).exit());
    }

    /** logs -f follows a running container's output and ends once it exited and everything was shown. */
    @Test
    void logsFollowEndsWhenTheContainerExits() throws Exception {
        assumeUsable("runc");
        Cli.Result started = berth("run", "-d", "--name", "follow", image(), "sh", "-c",
                "for i in 1 2 3 4; do echo line$i; sleep 0.4; done; echo done >&2");
        assertEquals(0, started.exit(), started.toString());
        try {
            Cli.Result follow = berth("logs", "-f", "follow");
            assertEquals(0, follow.exit(), follow.toString());
            assertEquals("line1\nline2\nline3\nline4\n", follow.stdout());
            assertEquals("done\n", follow.stderr());
            Cli.Result since = berth("logs", "--since", "2099-01-01T00:00:00Z", "follow");
            assertEquals("", since.stdout(), since.toString());
        } finally {
            berth("rm", "-f", "follow");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void killSignalsAndWait(String runtime) throws Exception {
        assumeUsable(runtime);
        String name = "kill-" + runtime;
        assertEquals(0, berth(run(runtime, "-d", "--name", name, image(), "sleep", "300")).exit());
        Cli.Result kill = berth("kill", "-s", "KILL", name);
        assertEquals(0, kill.exit(), kill.toString());
        Cli.Result waited = berth("wait", name);
        assertEquals("137", waited.stdout().strip(), waited.toString());
        Cli.Result notRunning = berth("kill", name);
        assertEquals(1, notRunning.exit(), notRunning.toString());
        assertTrue(notRunning.stderr().contains("not running"), notRunning.stderr());
        assertEquals(0, berth("start", name).exit());
        Cli.Result term = berth("stop", "-t", "1", name);
        assertEquals(0, term.exit(), term.toString());
        assertEquals(0, berth("rm", name).exit());
        // restart keeps a --rm container, as Docker does; its final stop removes it
        String rm = "restart-rm-" + runtime;
        assertEquals(0, berth(run(runtime, "-d", "--rm", "--name", rm, image(), "sleep", "300")).exit());
        Cli.Result restart = berth("restart", "-t", "0", rm);
        assertEquals(0, restart.exit(), restart.toString());
        assertEquals("running", JSON.readTree(berth("inspect", rm).stdout()).get(0).path("status").asText());
        assertEquals(0, berth("stop", "-t", "0", rm).exit());
        assertEquals(1, berth("inspect", rm).exit(), "--rm removed it at its last exit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void execTopAndNamespaces(String runtime) throws Exception {
        assumeUsable(runtime);
        String name = "exec-" + runtime;
        assertEquals(0, berth(run(runtime, "-d", "--name", name, image(), "sleep", "300")).exit());
        try {
            Cli.Result exec = berth("exec", "-e", "X=42", name, "sh", "-c", "echo in $X; exit 4");
            assertEquals(4, exec.exit(), exec.toString());
            assertEquals("in 42\n", exec.stdout());
            Cli.Result top = berth("top", name);
            assertTrue(top.stdout().contains("sleep 300"), top.toString());
            int pid = pidOf(containers(false).toString(), name);
            UnixHttp.Response ns = daemon.http().get("/v1/containers?ns=1");
            JsonNode mine = null;
            for (JsonNode n : JSON.readTree(ns.body()).path("containers")) {
                if (n.path("name").asText().equals(name)) {
                    mine = n;
                }
            }
            assertTrue(mine != null, ns.body());
            for (String kind : List.of("pid", "net", "mnt", "uts", "ipc")) {
                String link = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + kind)).toString();
                assertEquals(link, kind + ":[" + mine.path("namespaces").path(kind).asLong() + "]", kind);
                String own = Files.readSymbolicLink(Path.of("/proc/self/ns/" + kind)).toString();
                assertNotEquals(own, link, kind + " namespace is not the host's");
            }
            Cli.Result psNs = berth("ps", "--ns");
            assertTrue(psNs.stdout().contains(String.valueOf(pid)), psNs.stdout());
            Set<String> before = shimProcesses();
            for (int i = 0; i < 3; i++) {
                assertEquals(0, berth("exec", name, "true").exit());
            }
            Thread.sleep(300);
            assertEquals(before, shimProcesses(), "exec leaves no monitor process behind");
        } finally {
            berth("rm", "-f", name);
        }
    }

    /** The kernel's OOM killer, seen in the cgroup's counters: also when only a child died and pid 1 exits 0. */
    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void outOfMemoryIsDetectedEvenWhenTheExitCodeHidesIt(String runtime) throws Exception {
        assumeUsable(runtime);
        String hog = "x=a; while true; do x=$x$x; done";
        String first = "oom1-" + runtime;
        Cli.Result direct = berth(run(runtime, "--name", first, "-m", "32m", image(), "sh", "-c", hog));
        assertEquals(137, direct.exit(), direct.toString());
        JsonNode state = JSON.readTree(berth("inspect", first).stdout()).get(0).path("state");
        assertTrue(state.path("oomKilled").asBoolean(), state.toString());
        String second = "oom2-" + runtime;
        Cli.Result hidden = berth(run(runtime, "--name", second, "-m", "32m", image(), "sh", "-c",
                "sh -c '" + hog + "'; exit 0"));
        assertEquals(0, hidden.exit(), hidden.toString());
        JsonNode hiddenState = JSON.readTree(berth("inspect", second).stdout()).get(0).path("state");
        assertTrue(hiddenState.path("oomKilled").asBoolean(), "exit 0 but a child was OOM-killed: " + hiddenState);
        Cli.Result fine = berth(run(runtime, "--rm", "-m", "32m", image(), "true"));
        assertEquals(0, fine.exit(), fine.toString());
        assertEquals(0, berth("rm", first, second).exit());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void interactiveShellThroughAPseudoTerminal(String runtime) throws Exception {
        assumeUsable(runtime);
        String command = Daemon.BERTH + " -H unix://" + daemon.socket() + " run -it --rm --runtime " + runtime + " "
                + image() + " sh";
        // script(1) gives the CLI a real terminal; the input arrives after the shell started.
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "(sleep 2; printf 'tty; echo hello-$((40+2))\\n';"
                + " sleep 1; printf 'exit 5\\n'; sleep 5) | script -qec \"" + command + "\" /dev/null");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), output);
        assertTrue(output.contains("hello-42"), output);
        assertTrue(output.contains("/dev/pts/"), "the shell has a terminal: " + output);
        assertEquals(5, process.exitValue(), output);
    }

    @Test
    void generatedSpecValidatesAgainstTheRuntimeSpecSchema() throws Exception {
        Cli.Result created = berth("create", "--name", "spec-check", "-e", "A=1", "-v", base + ":/host:ro", image(),
                "sh", "-c", "true");
        assertEquals(0, created.exit(), created.toString());
        try {
            JsonNode inspect = JSON.readTree(berth("inspect", "spec-check").stdout()).get(0);
            JsonNode config = JSON.readTree(Path.of(inspect.path("bundle").asText(), "config.json").toFile());
            assertEquals(List.of(), new RuntimeSpecSchemas().validateConfig(config));
            assertEquals(inspect.path("specDigest").asText(), "sha256:" + sha256(
                    Files.readAllBytes(Path.of(inspect.path("bundle").asText(), "config.json"))));
        } finally {
            assertEquals(0, berth("rm", "spec-check").exit());
        }
    }

    @Test
    void badInputGetsAClearErrorAndLeavesNothing() throws Exception {
        int before = containers(true).size();
        Set<Path> dirs = containerDirs();
        record Case(String name, List<String> args, int exit, String message) {
        }
        List<Case> cases = List.of(
                new Case("unknown image", List.of("run", "--rm", "127.0.0.1:" + registry.port + "/nothing:here",
                        "true"), 125, "nothing"),
                new Case("command not found", List.of("run", "--rm", image(), "no-such-command"), 127,
                        "executable file not found"),
                new Case("bad user", List.of("run", "--rm", "-u", "captain", image(), "true"), 125, "captain"),
                new Case("volume source missing", List.of("run", "--rm", "-v", "/no/such/dir:/x", image(), "true"),
                        125, "/no/such/dir"));
        for (Case c : cases) {
            Cli.Result result = berth(c.args());
            assertEquals(c.exit(), result.exit(), c.name() + ": " + result);
            assertTrue(result.stderr().contains(c.message()), c.name() + ": " + result.stderr());
            assertEquals(before, containers(true).size(), c.name() + " left a container");
            assertEquals(dirs, containerDirs(), c.name() + " left a container folder");
            assertNoMountsLeftBehind();
        }
        // Created with --rm, started by a client that does not clean up, and the start fails (the container
        // whose network it joins is gone): the engine removes it, as Docker's daemon does, since nobody else will.
        assertEquals(0, berth("run", "-d", "--name", "peer-gone", image(), "sleep", "1000").exit());
        Cli.Result created = berth("create", "--rm", "--network", "container:peer-gone", image(), "true");
        assertEquals(0, created.exit(), created.toString());
        assertEquals(0, berth("rm", "-f", "peer-gone").exit());
        Cli.Result start = berth("start", created.stdout().strip());
        assertNotEquals(0, start.exit(), start.toString());
        assertTrue(start.stderr().contains("that process is gone"), start.stderr());
        assertEquals(before, containers(true).size(), "a --rm container whose start failed was left");
        assertEquals(dirs, containerDirs(), "a --rm container whose start failed left its folder");
        assertNoMountsLeftBehind();

        UnixHttp.Response badEnv = daemon.http().post("/v1/containers", "{\"image\":\"" + image()
                + "\",\"options\":{\"env\":[\"NOEQUALS\"]}}");
        assertEquals(400, badEnv.status(), badEnv.body());
        assertTrue(badEnv.body().contains("NOEQUALS"), badEnv.body());

        assertEquals(0, berth("create", "--name", "taken", image(), "true").exit());
        Cli.Result clash = berth("create", "--name", "taken", image(), "true");
        assertEquals(1, clash.exit(), clash.toString());
        assertTrue(clash.stderr().contains("already in use"), clash.stderr());
        assertEquals(0, berth("rm", "taken").exit());
    }

    @Test
    void anIdPrefixOfTwoContainersIsRefusedNamingBoth() throws Exception {
        List<String> ids = new ArrayList<>();
        try {
            // Seventeen ids over sixteen hex digits: two must share their first character.
            for (int i = 0; i < 17; i++) {
                Cli.Result created = berth("create", image(), "true");
                assertEquals(0, created.exit(), created.toString());
                ids.add(created.stdout().strip());
            }
            String prefix = ids.stream().map(id -> id.substring(0, 1))
                    .filter(p -> ids.stream().filter(id -> id.startsWith(p)).count() > 1).findFirst().orElseThrow();
            Cli.Result ambiguous = berth("inspect", prefix);
            assertEquals(1, ambiguous.exit(), ambiguous.toString());
            assertTrue(ambiguous.stderr().contains("matches"), ambiguous.stderr());
        } finally {
            for (String id : ids) {
                berth("rm", id);
            }
        }
    }

    @Test
    void eventsTellTheWholeStory() throws Exception {
        assumeUsable("runc");
        Cli.Result run = berth(run("runc", "--name", "story", image(), "sh", "-c", "exit 3"));
        assertEquals(3, run.exit(), run.toString());
        String id = JSON.readTree(berth("inspect", "story").stdout()).get(0).path("id").asText();
        assertEquals(0, berth("rm", "story").exit());
        Cli.Result events = berth("events", "--filter", "subject=" + id, "--format", "json");
        List<String> types = events.lines().stream().map(l -> {
            try {
                return JSON.readTree(l).path("type").asText();
            } catch (IOException e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertEquals(List.of("rootfs.mounted", "spec.generated", "container.created", "container.started",
                "container.exited", "rootfs.unmounted", "container.removed"), types, events.stdout());
    }

    /** The default runtime changes while the daemon runs; a container keeps the runtime it was made with. */
    @Test
    void theDefaultRuntimeChangesWhileRunningContainersKeepTheirs() throws Exception {
        assumeUsable("runc");
        assumeUsable("crun");
        assertEquals(0, berth("run", "-d", "--name", "on-runc", image(), "sleep", "300").exit());
        try {
            Cli.Result change = berth("runtime", "default", "crun");
            assertEquals(0, change.exit(), change.toString());
            Cli.Result ls = berth("runtime", "ls");
            assertTrue(ls.stdout().lines().anyMatch(l -> l.startsWith("crun") && l.contains("*")), ls.stdout());
            Cli.Result onCrun = berth("run", "--name", "on-crun", image(), "sh", "-c", "exit 6");
            assertEquals(6, onCrun.exit(), onCrun.toString());
            assertEquals("crun", JSON.readTree(berth("inspect", "on-crun").stdout()).get(0).path("runtime").asText());
            assertEquals(0, berth("rm", "on-crun").exit());
            JsonNode still = JSON.readTree(berth("inspect", "on-runc").stdout()).get(0);
            assertEquals("runc", still.path("runtime").asText());
            assertEquals("running", still.path("status").asText());
            Cli.Result events = berth("events", "--filter", "type=runtime.default.changed", "--format", "json");
            assertTrue(events.stdout().contains("\"crun\""), events.stdout());
            Cli.Result unknown = berth("runtime", "default", "youki");
            assertEquals(1, unknown.exit(), unknown.toString());
            assertTrue(unknown.stderr().contains("youki"), unknown.stderr());
        } finally {
            berth("runtime", "default", "runc");
            berth("rm", "-f", "on-runc");
        }
    }

    /** SIGKILL the daemon: containers keep running, the ones that ended meanwhile get their real exit. */
    @Test
    void containersSurviveADaemonKillAndAreReadoptedAfterIt() throws Exception {
        assumeUsable("runc");
        Path own = Files.createTempDirectory("berth-sigkill-");
        try (Daemon second = new Daemon(own).start()) {
            assertEquals(0, second.cli("pull", image()).exit());
            Cli.Result longer = second.cli("run", "-d", "--name", "long", image(), "sleep", "300");
            assertEquals(0, longer.exit(), longer.toString());
            Cli.Result shorter = second.cli("run", "-d", "--name", "short", image(), "sh", "-c", "sleep 2; exit 3");
            assertEquals(0, shorter.exit(), shorter.toString());
            Cli.Result ps = second.cli("ps", "--format", "json");
            int pid = pidOf(ps.stdout(), "long");
            second.kill();
            Thread.sleep(3_000);
            assertTrue(ProcessHandle.of(pid).isPresent(), "the container outlived the daemon");
            second.start();
            Cli.Result waited = second.cli("wait", "short");
            assertEquals("3", waited.stdout().strip(), waited.toString() + second.output());
            Cli.Result after = second.cli("ps", "--format", "json");
            assertEquals(pid, pidOf(after.stdout(), "long"), after.stdout());
            Cli.Result forced = second.cli("rm", "-f", "long");
            assertEquals(0, forced.exit(), forced.toString() + second.output());
            Cli.Result removed = second.cli("rm", "short");
            assertEquals(0, removed.exit(), removed.toString() + second.output());
        }
    }

    /** Where overlayfs is missing the copy snapshotter gives the same container; forced here by property. */
    @Test
    void theCopySnapshotterRunsContainersToo() throws Exception {
        Path own = Files.createTempDirectory("berth-copy-");
        try (Daemon copy = new Daemon(own).withEnvironment("BERTH_DAEMON_OPTS", "-Dberth.snapshotter=copy").start()) {
            assertTrue(copy.cli("info").stdout().contains("copy"), copy.cli("info").stdout());
            assertEquals(0, copy.cli("pull", image()).exit());
            Cli.Result run = copy.cli("run", "--name", "copied", image(), "sh", "-c",
                    "echo changed > /etc/motd; rm /bin/vi; ls /bin | wc -l");
            assertEquals(0, run.exit(), run.toString());
            JsonNode inspect = JSON.readTree(copy.cli("inspect", "copied").stdout()).get(0);
            assertEquals("copy", inspect.path("snapshotter").asText(), inspect.toString());
            Path rootfs = Path.of(inspect.path("rootfs").asText());
            assertEquals("changed\n", Files.readString(rootfs.resolve("etc/motd")));
            assertFalse(Files.exists(rootfs.resolve("bin/vi"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertEquals(0, copy.cli("rm", "copied").exit());
            assertFalse(Files.exists(rootfs), "rm deletes the copied tree");
        }
    }

    private static int pidOf(String psJson, String name) throws IOException {
        for (String line : psJson.lines().filter(l -> !l.isBlank()).toList()) {
            JsonNode node = JSON.readTree(line);
            for (JsonNode c : node.isArray() ? node : List.of(node)) {
                if (c.path("name").asText().equals(name)) {
                    return c.path("pid").asInt();
                }
            }
        }
        throw new AssertionError("no container " + name + " in " + psJson);
    }

    private static void awaitLog(String name, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (berth("logs", name).stdout().contains(text)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no \"" + text + "\" in the logs of " + name);
    }

    /** The monitor processes of this suite's daemon (other daemons on the machine have their own). */
    private static Set<String> shimProcesses() {
        Set<String> pids = new HashSet<>();
        String root = daemon.root.toString() + "/";
        ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").contains("berth-shim")
                && p.info().command().orElse("").startsWith(root)).forEach(p -> pids.add(String.valueOf(p.pid())));
        return pids;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
