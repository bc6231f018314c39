package dev.berth.plugin.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.AttachFrames;
import dev.berth.api.container.CreateRequest;
import dev.berth.api.container.ExecRequest;
import dev.berth.api.container.ExitStatus;
import dev.berth.api.container.RuntimeState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OciRuntime} driving the host's real runc as root, under the real berth-shim. */
class OciRuntimeRuncTest {
    private static final Duration EXIT_LIMIT = Duration.ofSeconds(15);

    @TempDir
    Path root;

    private RuntimeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.isExecutable(TestBundle.BUSYBOX), "needs /bin/busybox (busybox-static)");
        f = new RuntimeFixture(root, RuntimeSettings.runc(root.resolve("state")));
        assumeTrue(f.runtime.info().usable(), () -> "runc not usable: " + f.runtime.info().reason());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void infoNamesRuncAndItsVersion() {
        assertEquals("runc", f.runtime.info().name());
        assertTrue(f.runtime.info().version().startsWith("1."), f.runtime.info().version());
        assertTrue(Files.isExecutable(f.runtime.shimBinary()));
        assertTrue(f.runtime.shimBinary().getFileName().toString().matches("berth-shim-[0-9a-f]{12}"));
    }

    @Test
    void exitCodePropagatesToExitFileAndBus() throws Exception {
        long shimsBefore = shimCount();
        // The runtime's own create waits for the start: one `run --detach` then does both.
        assertEquals(0, f.runtime.create(f.request("exit3", List.of("sh", "-c", "exit 3"), false, false)));
        assertEquals(new RuntimeState("exit3", "created", 0), f.runtime.state("exit3"));
        assertFalse(Files.isDirectory(RuntimeSettings.runc(root.resolve("state")).runtimeRoot().resolve("exit3")),
                "runc holds nothing before the start");
        assertNull(f.runtime.exitStatus("exit3"));
        assertTrue(f.runtime.startProcess("exit3") > 0);
        JsonObject message = f.awaitExit("exit3", null, EXIT_LIMIT);
        assertEquals("runc", message.getString("runtime"));
        assertEquals(3, message.getInteger("exitCode"));
        assertEquals(0, message.getInteger("signal"));
        assertFalse(message.getBoolean("oomKilled"));
        assertTrue(message.containsKey("execId"));
        assertTrue(message.getString("finishedAt").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z"));
        ExitStatus status = f.runtime.exitStatus("exit3");
        assertEquals(3, status.exitCode());
        assertNull(status.reason());
        // The monitor deletes the container from runc itself once the exit is recorded.
        Path inRunc = RuntimeSettings.runc(root.resolve("state")).runtimeRoot().resolve("exit3");
        RuntimeFixture.await(EXIT_LIMIT, () -> !Files.isDirectory(inRunc));
        assertEquals("absent", f.runtime.state("exit3").status());
        assertEquals(3, f.runtime.exitStatus("exit3").exitCode(), "the exit file still says how it ended");
        f.runtime.kill("exit3", 15); // nothing left to signal: no error
        BerthException paused = assertThrows(BerthException.class, () -> f.runtime.pause("exit3"));
        assertEquals(ErrorKind.CONFLICT, paused.kind());
        f.runtime.delete("exit3", false);
        f.runtime.delete("exit3", false); // idempotent
        assertEquals("absent", f.runtime.state("exit3").status());
        assertFalse(f.runtime.list().contains("exit3"));
        RuntimeFixture.await(Duration.ofSeconds(5), () -> {
            try {
                return shimCount() == shimsBefore;
            } catch (IOException e) {
                return false;
            }
        });
        Thread.sleep(300);
        assertNull(f.exits.poll(), "published once");
    }

    @Test
    void aDeleteTheMonitorCouldNotDoIsDoneByThePlugin() throws Exception {
        // runc behind a wrapper that refuses the first delete, which is the monitor's.
        Path wrapper = root.resolve("runc-refusing-one-delete");
        Files.writeString(wrapper, "#!/bin/sh\n"
                + "for a in \"$@\"; do\n"
                + "  if [ \"$a\" = delete ] && [ ! -e '" + root.resolve("refused") + "' ]; then\n"
                + "    touch '" + root.resolve("refused") + "'; echo 'refused once' >&2; exit 1\n"
                + "  fi\n"
                + "done\n"
                + "exec " + f.runtime.info().path() + " \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        RuntimeSettings settings = RuntimeSettings.runc(root.resolve("wrapped")).withBinary(wrapper.toString());
        RuntimeFixture wrapped = new RuntimeFixture(root.resolve("wrapped-fixture"), settings);
        try {
            wrapped.runtime.create(wrapped.request("once", List.of("sh", "-c", "exit 4"), false, false));
            wrapped.runtime.startProcess("once");
            assertEquals(4, wrapped.awaitExit("once", null, EXIT_LIMIT).getInteger("exitCode"));
            RuntimeFixture.await(EXIT_LIMIT, () -> !Shims.alive(wrapped.stateDir("once")));
            assertTrue(Files.exists(root.resolve("refused")), "the monitor tried");
            assertTrue(Files.isDirectory(settings.runtimeRoot().resolve("once")), "and runc still holds it");
            wrapped.runtime.delete("once", false);
            assertFalse(Files.isDirectory(settings.runtimeRoot().resolve("once")));
            assertEquals("absent", wrapped.runtime.state("once").status());
        } finally {
            wrapped.close();
        }
    }

    @Test
    void stdoutAndStderrLinesLandInTheLogAsJson() throws Exception {
        String script = "echo out; echo err >&2; printf 'q\"b\\\\s\\t\\001\\377end\\n'; "
                + "head -c 20000 /dev/zero | tr '\\000' a; printf 'partial'";
        f.runtime.create(f.request("logs", List.of("sh", "-c", script), false, false));
        f.runtime.start("logs");
        f.awaitExit("logs", null, EXIT_LIMIT);
        List<JsonObject> all = Files.readAllLines(f.stateDir("logs").resolve("ctr.log")).stream()
                .map(JsonObject::new).toList();
        assertEquals(5, all.size());
        assertTrue(all.get(0).getString("time").matches(".*T.*\\.\\d{9}Z"));
        List<JsonObject> err = all.stream().filter(l -> l.getString("stream").equals("stderr")).toList();
        assertEquals(List.of("err\n"), err.stream().map(l -> l.getString("log")).toList());
        List<String> out = all.stream().filter(l -> l.getString("stream").equals("stdout"))
                .map(l -> l.getString("log")).toList();
        assertEquals("out\n", out.get(0));
        assertEquals("q\"b\\s\t\u0001\ufffdend\n", out.get(1));
        assertEquals(16384, out.get(2).length());
        assertEquals(20000 - 16384 + "partial".length(), out.get(3).length());
        assertTrue(out.get(3).endsWith("apartial"));
    }

    @Test
    void attachedClientGetsOutputFramesAndExit() throws Exception {
        f.runtime.create(f.request("attach", List.of("sh", "-c", "echo hello; echo oops >&2; exit 7"), false,
                false));
        try (AttachClient client = new AttachClient(Path.of(f.runtime.attachSocket("attach")))) {
            f.runtime.start("attach");
            String exit = client.readUntilExit();
            assertNotNull(exit);
            assertEquals(7, new JsonObject(exit).getInteger("exitCode"));
            assertEquals("hello\n", client.stdout.toString(StandardCharsets.UTF_8));
            assertEquals("oops\n", client.stderr.toString(StandardCharsets.UTF_8));
        }
        f.awaitExit("attach", null, EXIT_LIMIT);
        assertFalse(Files.exists(f.stateDir("attach").resolve("attach.sock")));
    }

    @Test
    void stdinIsForwardedAndClosed() throws Exception {
        f.runtime.create(f.request("stdin", List.of("cat"), false, true));
        try (AttachClient client = new AttachClient(Path.of(f.runtime.attachSocket("stdin")))) {
            f.runtime.start("stdin");
            client.send(AttachFrames.STDIN, "ping\n");
            client.send(AttachFrames.STDIN, "pong\n");
            client.send(AttachFrames.STDIN_CLOSE, new byte[0]);
            String exit = client.readUntilExit();
            assertEquals(0, new JsonObject(exit).getInteger("exitCode"));
            assertEquals("ping\npong\n", client.stdout.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void ttyGivesThePseudoTerminal() throws Exception {
        f.runtime.create(f.request("tty", List.of("sh", "-c", "sleep 0.3; tty; stty size 2>/dev/null; exit 0"),
                true, true));
        try (AttachClient client = new AttachClient(Path.of(f.runtime.attachSocket("tty")))) {
            client.send(AttachFrames.RESIZE, new byte[] {0, 40, 0, 100});
            f.runtime.start("tty");
            String exit = client.readUntilExit();
            assertEquals(0, new JsonObject(exit).getInteger("exitCode"));
            assertTrue(client.stdout.toString(StandardCharsets.UTF_8).contains("/dev/pts/0"),
                    client.stdout.toString(StandardCharsets.UTF_8));
        }
        assertTrue(Files.readString(f.stateDir("tty").resolve("ctr.log")).contains("/dev/pts/0"));
    }

    @Test
    void sigtermEndsWith143() throws Exception {
        // Without its own pid namespace sleep is not an init process, so SIGTERM's default action applies.
        JsonObject config = TestBundle.config("term", List.of("sleep", "100"), false);
        JsonArray namespaces = new JsonArray();
        config.getJsonObject("linux").getJsonArray("namespaces").stream().map(JsonObject.class::cast)
                .filter(ns -> !ns.getString("type").equals("pid")).forEach(namespaces::add);
        config.getJsonObject("linux").put("namespaces", namespaces);
        f.runtime.create(f.request("term", config, false, false));
        f.runtime.start("term");
        assertEquals("running", f.runtime.state("term").status());
        f.runtime.kill("term", 15);
        JsonObject message = f.awaitExit("term", null, EXIT_LIMIT);
        assertEquals(143, message.getInteger("exitCode"));
        assertEquals(15, message.getInteger("signal"));
        ExitStatus status = f.runtime.exitStatus("term");
        assertEquals(143, status.exitCode());
        assertEquals(15, status.signal());
        f.runtime.kill("term", 9); // stopped: not an error
    }

    @Test
    void monitorOutlivesTheRuntimeInstance() throws Exception {
        f.runtime.create(f.request("survive", List.of("sleep", "100"), false, false));
        f.runtime.start("survive");
        f.runtime.close();
        f.runtime = f.open();
        assertTrue(f.runtime.list().contains("survive"));
        RuntimeState state = f.runtime.state("survive");
        assertEquals("running", state.status());
        assertTrue(state.pid() > 0);
        assertNull(f.runtime.exitStatus("survive"));
        assertTrue(f.runtime.attachSocket("survive").endsWith("attach.sock"));
        f.runtime.kill("survive", 9);
        JsonObject message = f.awaitExit("survive", null, EXIT_LIMIT);
        assertEquals(137, message.getInteger("exitCode"));
        assertEquals(137, f.runtime.exitStatus("survive").exitCode());
    }

    @Test
    void execRunsInARunningContainer() throws Exception {
        f.runtime.create(f.request("exec", List.of("sleep", "100"), false, false));
        f.runtime.start("exec");
        Path execState = f.stateDir("exec").resolve("exec/e1");
        String socket = f.runtime.exec(new ExecRequest("exec", "e1", List.of("sh", "-c", "echo hi; exit 4"), null,
                null, null, false, false, execState.toString(), true));
        assertEquals(execState.resolve("attach.sock").toString(), socket);
        try (AttachClient client = new AttachClient(Path.of(socket))) {
            client.send(AttachFrames.START, new byte[0]);
            String exit = client.readUntilExit();
            assertEquals(4, new JsonObject(exit).getInteger("exitCode"));
            assertEquals("hi\n", client.stdout.toString(StandardCharsets.UTF_8));
        }
        JsonObject message = f.awaitExit("exec", "e1", EXIT_LIMIT);
        assertEquals(4, message.getInteger("exitCode"));
        assertEquals("running", f.runtime.state("exec").status());
    }

    @Test
    void execWithTtyAndUser() throws Exception {
        f.runtime.create(f.request("exectty", List.of("sleep", "100"), false, false));
        f.runtime.start("exectty");
        Path execState = f.stateDir("exectty").resolve("exec/t1");
        String socket = f.runtime.exec(new ExecRequest("exectty", "t1", List.of("sh", "-c", "tty; echo ok"),
                List.of("PATH=/bin"), "/tmp", "1000:1000", true, false, execState.toString(), true));
        try (AttachClient client = new AttachClient(Path.of(socket))) {
            client.send(AttachFrames.START, new byte[0]);
            String exit = client.readUntilExit();
            assertEquals(0, new JsonObject(exit).getInteger("exitCode"));
            String out = client.stdout.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains("/dev/pts/"), out);
        }
        JsonObject process = new JsonObject(Files.readString(execState.resolve("process.json")));
        assertEquals(1000, process.getJsonObject("user").getInteger("uid"));
        assertEquals("/tmp", process.getString("cwd"));
        assertNotNull(process.getJsonObject("capabilities"));
    }

    @Test
    void oomKillIsReported() throws Exception {
        JsonObject config = TestBundle.config("oom", List.of("sh", "-c", "x=aaaaaaaa; while true; do x=$x$x; done"),
                false);
        config.getJsonObject("linux").getJsonObject("resources").put("memory",
                new JsonObject().put("limit", 16L * 1024 * 1024));
        f.runtime.create(f.request("oom", config, false, false));
        f.runtime.start("oom");
        JsonObject message = f.awaitExit("oom", null, Duration.ofSeconds(30));
        assertTrue(message.getBoolean("oomKilled"), message.encode());
        ExitStatus status = f.runtime.exitStatus("oom");
        assertTrue(status.oomKilled());
        f.runtime.delete("oom", false);
    }

    @Test
    void unknownIdsAndBadRequests() throws Exception {
        assertEquals(RuntimeState.absent("nope"), f.runtime.state("nope"));
        f.runtime.delete("nope", true);
        BerthException e = assertThrows(BerthException.class, () -> f.runtime.start("nope"));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(BerthException.class, () -> f.runtime.kill("nope", 9)).kind());
        assertEquals(ErrorKind.INVALID, assertThrows(BerthException.class,
                () -> f.runtime.create(new CreateRequest("../x", root.toString(), root.toString(),
                        root.resolve("log").toString(), false, false))).kind());
        assertNull(f.runtime.attachSocket("nope"));
    }

    @Test
    void runtimeErrorsReachTheCaller() throws Exception {
        JsonObject config = TestBundle.config("bad", List.of("/bin/does-not-exist"), false);
        config.getJsonObject("process").getJsonArray("rlimits").add(new JsonObject().put("type", "RLIMIT_BOGUS")
                .put("hard", 1).put("soft", 1));
        f.runtime.create(f.request("bad", config, false, false));
        BerthException e = assertThrows(BerthException.class, () -> f.runtime.startProcess("bad"));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("start container bad with runc: "), e.getMessage());
        assertTrue(e.getMessage().contains("RLIMIT_BOGUS") || e.getMessage().contains("rlimit"), e.getMessage());
        // Nothing ran: the monitor ends without an exit file, and the runtime holds nothing.
        RuntimeFixture.await(Duration.ofSeconds(5), () -> !Shims.alive(f.stateDir("bad")));
        assertFalse(Files.exists(f.stateDir("bad").resolve("exit.json")));
        assertEquals("absent", f.runtime.state("bad").status());
        f.runtime.delete("bad", true);
        assertFalse(f.runtime.list().contains("bad"));
    }

    @Test
    void aMonitorThatStoppedWaitingIsReplacedByTheStartOrByACreate() throws Exception {
        CreateRequest request = f.request("stale", List.of("sh", "-c", "echo late"), false, false);
        f.runtime.create(request);
        Shims.terminate(f.stateDir("stale")); // as when it waited longer than 300 s for its START
        assertEquals("absent", f.runtime.state("stale").status());
        assertTrue(f.runtime.startProcess("stale") > 0, "a new monitor, started as the first was");
        assertEquals(0, f.awaitExit("stale", null, EXIT_LIMIT).getInteger("exitCode"));
        assertTrue(Files.readString(Path.of(request.logPath())).contains("late"));
        f.runtime.delete("stale", false);

        f.runtime.create(request);
        Shims.terminate(f.stateDir("stale"));
        f.runtime.create(request); // the entry of a monitor that ended is replaced, not a conflict
        assertTrue(f.runtime.startProcess("stale") > 0);
        assertEquals(0, f.awaitExit("stale", null, EXIT_LIMIT).getInteger("exitCode"));
        f.runtime.delete("stale", false);
    }

    @Test
    void duplicateIdConflicts() throws Exception {
        CreateRequest request = f.request("dup", List.of("true"), false, false);
        f.runtime.create(request);
        BerthException e = assertThrows(BerthException.class, () -> f.runtime.create(request));
        assertEquals(ErrorKind.CONFLICT, e.kind());
        f.runtime.delete("dup", false); // created, never started
        assertEquals("absent", f.runtime.state("dup").status());
    }

    @Test
    void exitWhileTheEngineIsDownIsPublishedOnceAfterwards() throws Exception {
        f.runtime.create(f.request("down", List.of("sh", "-c", "sleep 0.5; exit 5"), false, false));
        f.runtime.start("down");
        f.runtime.close();
        Path exitFile = f.stateDir("down").resolve("exit.json");
        RuntimeFixture.await(EXIT_LIMIT, () -> Files.exists(exitFile));
        Thread.sleep(300);
        assertNull(f.exits.poll(), "nobody watched while the engine was down");
        f.runtime = f.open();
        assertEquals(5, f.awaitExit("down", null, EXIT_LIMIT).getInteger("exitCode"));
        f.runtime.close();
        f.runtime = f.open();
        Thread.sleep(400);
        assertNull(f.exits.poll(), "published once");
    }

    @Test
    void lostMonitorGivesAnUnknownExit() throws Exception {
        f.runtime.create(f.request("lost", List.of("sleep", "100"), false, false));
        f.runtime.start("lost");
        long shimPid = Long.parseLong(Files.readString(f.stateDir("lost").resolve("shim.pid")).strip());
        Commands.run(List.of("kill", "-9", Long.toString(shimPid)), Duration.ofSeconds(5));
        RuntimeFixture.await(EXIT_LIMIT, () -> !Shims.alive(f.stateDir("lost")));
        assertNull(f.runtime.exitStatus("lost"), "still running");
        f.runtime.kill("lost", 9);
        RuntimeFixture.await(EXIT_LIMIT, () -> {
            try {
                return f.runtime.state("lost").status().equals("stopped");
            } catch (BerthException e) {
                return false;
            }
        });
        ExitStatus status = f.runtime.exitStatus("lost");
        assertEquals(-1, status.exitCode());
        assertNull(status.finishedAt());
        assertNotNull(status.reason());
    }

    @Test
    void killBeforeStartEndsTheWaitingMonitorAndNothingRuns() throws Exception {
        f.runtime.create(f.request("early", List.of("sleep", "100"), false, false));
        f.runtime.kill("early", 9);
        assertFalse(Shims.alive(f.stateDir("early")));
        assertEquals("absent", f.runtime.state("early").status());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(BerthException.class, () -> f.runtime.start("early")).kind());
        f.runtime.delete("early", true);
        assertFalse(f.runtime.list().contains("early"));
    }

    @Test
    void severalClientsAndADisconnectDoNotHurtTheMonitor() throws Exception {
        f.runtime.create(f.request("multi", List.of("sh", "-c", "sleep 0.5; echo one; echo two"), false, false));
        Path socket = Path.of(f.runtime.attachSocket("multi"));
        new AttachClient(socket).close(); // gone before any output
        try (AttachClient a = new AttachClient(socket); AttachClient b = new AttachClient(socket)) {
            AttachClient quitter = new AttachClient(socket);
            f.runtime.start("multi");
            quitter.close();
            assertEquals(0, new JsonObject(a.readUntilExit()).getInteger("exitCode"));
            assertEquals(0, new JsonObject(b.readUntilExit()).getInteger("exitCode"));
            assertEquals("one\ntwo\n", a.stdout.toString(StandardCharsets.UTF_8));
            assertEquals("one\ntwo\n", b.stdout.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void ttyStdinCloseSendsEndOfFile() throws Exception {
        f.runtime.create(f.request("ttycat", List.of("cat"), true, true));
        try (AttachClient client = new AttachClient(Path.of(f.runtime.attachSocket("ttycat")))) {
            f.runtime.start("ttycat");
            client.send(AttachFrames.STDIN, "abc\n");
            client.send(AttachFrames.STDIN_CLOSE, new byte[0]);
            assertEquals(0, new JsonObject(client.readUntilExit()).getInteger("exitCode"));
            assertTrue(client.stdout.toString(StandardCharsets.UTF_8).contains("abc"));
        }
    }

    @Test
    void execInputSentBeforeStartIsDelivered() throws Exception {
        f.runtime.create(f.request("execin", List.of("sleep", "100"), false, false));
        f.runtime.start("execin");
        Path execState = f.stateDir("execin").resolve("exec/in1");
        String socket = f.runtime.exec(new ExecRequest("execin", "in1", List.of("cat"), null, null, null, false, true,
                execState.toString(), true));
        try (AttachClient client = new AttachClient(Path.of(socket))) {
            client.send(AttachFrames.STDIN, "queued\n");
            client.send(AttachFrames.STDIN_CLOSE, new byte[0]);
            client.send(AttachFrames.START, new byte[0]);
            assertEquals(0, new JsonObject(client.readUntilExit()).getInteger("exitCode"));
            assertEquals("queued\n", client.stdout.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void execNeedsARunningContainer() throws Exception {
        f.runtime.create(f.request("idle", List.of("true"), false, false));
        BerthException e = assertThrows(BerthException.class, () -> f.runtime.exec(new ExecRequest("idle", "x",
                List.of("true"), null, null, null, false, false, f.stateDir("idle").resolve("exec/x").toString(),
                false)));
        assertEquals(ErrorKind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("created, not running"), e.getMessage());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(BerthException.class, () -> f.runtime.exec(new ExecRequest(
                "ghost", "x", List.of("true"), null, null, null, false, false, root.toString(), false))).kind());
    }

    @Test
    void recreatingWithTheSameStateDirPublishesTheNewExit() throws Exception {
        CreateRequest request = f.request("again", List.of("sh", "-c", "exit 1"), false, false);
        f.runtime.create(request);
        f.runtime.start("again");
        assertEquals(1, f.awaitExit("again", null, EXIT_LIMIT).getInteger("exitCode"));
        f.runtime.delete("again", true);
        f.runtime.create(request);
        assertNull(f.runtime.exitStatus("again"), "the last run's exit is gone");
        f.runtime.start("again");
        assertEquals(1, f.awaitExit("again", null, EXIT_LIMIT).getInteger("exitCode"));
    }

    @Test
    void execExitWhileTheEngineIsDownIsPublishedAfterwards() throws Exception {
        f.runtime.create(f.request("execdown", List.of("sleep", "100"), false, false));
        f.runtime.start("execdown");
        Path execState = root.resolve("elsewhere/e2"); // the engine keeps exec dirs beside, not inside, stateDir
        f.runtime.exec(new ExecRequest("execdown", "e2", List.of("sh", "-c", "sleep 0.5; exit 6"), null, null, null,
                false, false, execState.toString(), false));
        f.runtime.close();
        RuntimeFixture.await(EXIT_LIMIT, () -> Files.exists(execState.resolve("exit.json")));
        f.runtime = f.open();
        assertEquals(6, f.awaitExit("execdown", "e2", EXIT_LIMIT).getInteger("exitCode"));
    }

    @Test
    void stateDirsLongerThanASocketPathStillWork() throws Exception {
        String longId = "l".repeat(64);
        CreateRequest base = f.request(longId, List.of("sh", "-c", "tty; exit 2"), true, false);
        Path state = root.resolve("x".repeat(60)).resolve(longId).resolve("shim");
        assertTrue(state.resolve("attach.sock").toString().length() > 108);
        CreateRequest request = new CreateRequest(longId, base.bundleDir(), state.toString(),
                state.resolve("ctr.log").toString(), true, false);
        f.runtime.create(request);
        f.runtime.start(longId);
        assertEquals(2, f.awaitExit(longId, null, EXIT_LIMIT).getInteger("exitCode"));
        assertTrue(Files.readString(state.resolve("ctr.log")).contains("/dev/pts/0"));
    }

    private static long shimCount() throws IOException {
        return Commands.run(List.of("pgrep", "-f", "runtimes/shim/berth-shim-"), Duration.ofSeconds(5)).stdout()
                .lines().filter(l -> !l.isBlank()).count();
    }
}
