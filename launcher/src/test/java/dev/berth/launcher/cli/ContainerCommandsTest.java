package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container commands against {@link ScriptedDaemon} and, for attaching ones, a {@link FakeMonitor}. */
class ContainerCommandsTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path folder;

    private final CapturedOutput out = new CapturedOutput();
    private final CapturedOutput err = new CapturedOutput();

    private int berth(String host, InputStream in, String... args) {
        List<String> line = new java.util.ArrayList<>(List.of("-H", host));
        line.addAll(List.of(args));
        return Cli.run(line, Map.of("TERM_NAME", "x"), in, out.stream(), err.stream());
    }

    private static void frame(OutputStream out, int type, String payload) throws Exception {
        AttachFrame.write(out, type, payload.getBytes(StandardCharsets.UTF_8));
    }

    private static String target(FakeDaemon.Request request) {
        return request.requestLine().split(" ")[0] + " " + request.requestLine().split(" ")[1];
    }

    @Test
    void runPullsAMissingImageAttachesStartsAndExitsWithTheContainersCode() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        int[] creates = {0};
        try (FakeMonitor monitor = new FakeMonitor(folder.resolve("attach.sock"), (in, toClient) -> {
            started.await(10, TimeUnit.SECONDS);
            frame(toClient, AttachFrame.STDOUT, "hi\n");
            frame(toClient, AttachFrame.STDERR, "warn\n");
            frame(toClient, AttachFrame.EXIT, "{\"exitCode\":3,\"signal\":0}");
        }); ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> {
            switch (target(request)) {
                case "POST /v1/containers" -> {
                    if (creates[0]++ == 0) {
                        ScriptedDaemon.json(stream, 404, "{\"message\":\"no such image: busybox:latest\",\"kind\":\"not_found\"}");
                    } else {
                        ScriptedDaemon.json(stream, 201, "{\"id\":\"" + ID + "\",\"name\":\"x\",\"warnings\":[\"w1\"]}");
                    }
                }
                case "POST /v1/images/pull" -> FakeDaemon.respond(stream, 200, "OK", "application/x-ndjson",
                        "{\"id\":\"sha256:aa\",\"status\":\"downloading\",\"current\":1,\"total\":2}\n"
                                + "{\"status\":\"done\",\"reference\":\"busybox:latest\",\"manifestDigest\":\"sha256:bb\"}\n");
                case "POST /v1/containers/" + ID + "/attach" -> ScriptedDaemon.json(stream, 200, "{\"id\":\"" + ID
                        + "\",\"socket\":\"" + monitor.socket + "\",\"tty\":false,\"stdin\":false}");
                case "POST /v1/containers/" + ID + "/start" -> {
                    ScriptedDaemon.json(stream, 200, "{\"id\":\"" + ID + "\",\"pid\":42}");
                    started.countDown();
                }
                case "POST /v1/containers/" + ID + "/wait" -> ScriptedDaemon.json(stream, 200,
                        "{\"id\":\"" + ID + "\",\"exitCode\":3,\"signal\":0,\"oomKilled\":false}");
                default -> ScriptedDaemon.json(stream, 404, "{\"message\":\"unexpected\",\"kind\":\"not_found\"}");
            }
        })) {
            int code = berth(daemon.uri(), InputStream.nullInputStream(), "run", "--rm", "-e", "A=1", "busybox",
                    "sh", "-c", "echo hi");

            assertEquals(3, code, err.text());
            assertEquals("hi\n", out.text());
            assertTrue(err.text().startsWith("Unable to find image 'busybox' locally\n"), err.text());
            assertTrue(err.text().contains("Pulled busybox:latest\n") && err.text().contains("WARNING: w1\n")
                    && err.text().endsWith("warn\n"), err.text());
            assertEquals(List.of("POST /v1/containers", "POST /v1/images/pull", "POST /v1/containers",
                    "POST /v1/containers/" + ID + "/attach", "POST /v1/containers/" + ID + "/start",
                    "POST /v1/containers/" + ID + "/wait"), daemon.requests.stream().map(ContainerCommandsTest::target)
                    .toList());
            assertEquals(JSON.readTree("{\"image\":\"busybox\",\"options\":{\"command\":[\"sh\",\"-c\",\"echo hi\"],"
                    + "\"entrypoint\":null,\"env\":[\"A=1\"],\"workingDir\":null,\"user\":null,\"hostname\":null,"
                    + "\"readOnly\":false,\"volumes\":[],\"tty\":false,\"stdin\":false,\"runtime\":null,\"isolation\":{}},"
                    + "\"autoRemove\":true}"), JSON.readTree(daemon.requests.get(0).body()));
            monitor.awaitDone();
        }
    }

    @Test
    void runDetachedStartsAndPrintsTheId() throws Exception {
        try (ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> ScriptedDaemon.json(stream,
                target(request).equals("POST /v1/containers") ? 201 : 200,
                "{\"id\":\"" + ID + "\",\"warnings\":[]}"))) {
            assertEquals(0, berth(daemon.uri(), InputStream.nullInputStream(), "run", "-d", "busybox"), err.text());
            assertEquals(ID + "\n", out.text());
            assertEquals(List.of("POST /v1/containers", "POST /v1/containers/" + ID + "/start"),
                    daemon.requests.stream().map(ContainerCommandsTest::target).toList());
        }
    }

    @Test
    void runMapsEngineErrorsToDockersExitCodes() throws Exception {
        String[] message = {"exec: \"nope\": executable file not found in $PATH"};
        try (ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> ScriptedDaemon.json(stream, 400,
                "{\"message\":" + JSON.writeValueAsString(message[0]) + ",\"kind\":\"invalid\"}"))) {
            assertEquals(127, berth(daemon.uri(), InputStream.nullInputStream(), "run", "busybox", "nope"));
            assertEquals("berth run: exec: \"nope\": executable file not found in $PATH\n", err.text());
            message[0] = "disk full";
            assertEquals(125, berth(daemon.uri(), InputStream.nullInputStream(), "run", "busybox"));
        }
    }

    @Test
    void runExitsWith125WhenTheExitCodeIsUnknown() throws Exception {
        try (FakeMonitor monitor = new FakeMonitor(folder.resolve("attach.sock"), (in, toClient) -> { });
                ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> {
                    String t = target(request);
                    if (t.endsWith("/attach")) {
                        ScriptedDaemon.json(stream, 200, "{\"socket\":\"" + monitor.socket + "\",\"tty\":false}");
                    } else if (t.endsWith("/wait")) {
                        ScriptedDaemon.json(stream, 200, "{\"exitCode\":-1,\"reason\":\"exit code unknown, engine was down\"}");
                    } else {
                        ScriptedDaemon.json(stream, 201, "{\"id\":\"" + ID + "\"}");
                    }
                })) {
            assertEquals(125, berth(daemon.uri(), InputStream.nullInputStream(), "run", "busybox"));
            assertTrue(err.text().contains("exit code unknown, engine was down"), err.text());
        }
    }

    @Test
    void execSendsStartFirstForwardsInputAndExitsWithTheExitFrameCode() throws Exception {
        List<String> fromClient = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (FakeMonitor monitor = new FakeMonitor(folder.resolve("exec.sock"), (in, toClient) -> {
            AttachFrame frame;
            while ((frame = AttachFrame.read(in)) != null) {
                fromClient.add(frame.type() + ":" + new String(frame.payload(), StandardCharsets.UTF_8));
                if (frame.type() == AttachFrame.STDIN_CLOSE) {
                    break;
                }
            }
            frame(toClient, AttachFrame.STDOUT, "done\n");
            frame(toClient, AttachFrame.EXIT, "{\"exitCode\":7}");
        }); ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> ScriptedDaemon.json(stream, 201,
                "{\"id\":\"" + ID + "\",\"execId\":\"e1\",\"socket\":\"" + monitor.socket + "\"}"))) {
            int code = berth(daemon.uri(), new ByteArrayInputStream("input\n".getBytes(StandardCharsets.UTF_8)),
                    "exec", "-i", "-u", "0", "-e", "A=1", "-w", "/tmp", "web", "cat", "-n");

            assertEquals(7, code, err.text());
            assertEquals("done\n", out.text());
            assertEquals(List.of("6:", "0:input\n", "3:"), fromClient);
            assertEquals("POST /v1/containers/web/exec", target(daemon.requests.get(0)));
            assertEquals(JSON.readTree("{\"args\":[\"cat\",\"-n\"],\"env\":[\"A=1\"],\"workingDir\":\"/tmp\","
                    + "\"user\":\"0\",\"tty\":false,\"stdin\":true,\"detach\":false}"),
                    JSON.readTree(daemon.requests.get(0).body()));
        }
    }

    @Test
    void logsPrintsEachEntryOnItsStreamWithOptionalTimes() throws Exception {
        try (ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 200,
                "OK", "application/x-ndjson",
                "{\"time\":\"2026-11-29T10:00:00.1Z\",\"stream\":\"stdout\",\"log\":\"one\\n\"}\n"
                        + "{\"time\":\"2026-11-29T10:00:00.2Z\",\"stream\":\"stderr\",\"log\":\"two\\n\"}\n"
                        + "{\"time\":\"2026-11-29T10:00:00.3Z\",\"stream\":\"stdout\",\"log\":\"partial\"}\n"))) {
            assertEquals(0, berth(daemon.uri(), InputStream.nullInputStream(), "logs", "-f", "-t", "--since", "10m",
                    "--tail", "3", "web"), err.text());
            assertEquals("GET /v1/containers/web/logs?follow=1&since=10m&tail=3", target(daemon.requests.get(0)));
            assertEquals("2026-11-29T10:00:00.1Z one\n2026-11-29T10:00:00.3Z partial", out.text());
            assertEquals("2026-11-29T10:00:00.2Z two\n", err.text());
        }
    }

    @Test
    void rmGoesOnAfterAFailureAndExitsOne() throws Exception {
        try (ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> {
            if (target(request).contains("/missing")) {
                ScriptedDaemon.json(stream, 404, "{\"message\":\"no such container: missing\",\"kind\":\"not_found\"}");
            } else {
                ScriptedDaemon.json(stream, 200, "{\"id\":\"" + ID + "\"}");
            }
        })) {
            assertEquals(1, berth(daemon.uri(), InputStream.nullInputStream(), "rm", "-f", "missing", "web"));
            assertEquals("web\n", out.text());
            assertEquals("berth rm: no such container: missing\n", err.text());
            assertEquals(List.of("DELETE /v1/containers/missing?force=1", "DELETE /v1/containers/web?force=1"),
                    daemon.requests.stream().map(ContainerCommandsTest::target).toList());
        }
    }

    @Test
    void stopKillRestartAndPsBuildTheirQueries() throws Exception {
        try (ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> ScriptedDaemon.json(stream, 200,
                target(request).startsWith("GET /v1/containers?") ? "{\"containers\":[{\"id\":\"" + ID + "\"}]}"
                        : "{\"id\":\"" + ID + "\"}"))) {
            String host = daemon.uri();
            assertEquals(0, berth(host, InputStream.nullInputStream(), "stop", "-t", "3", "a", "b"));
            assertEquals(0, berth(host, InputStream.nullInputStream(), "kill", "-s", "TERM", "a"));
            assertEquals(0, berth(host, InputStream.nullInputStream(), "restart", "a"));
            assertEquals(0, berth(host, InputStream.nullInputStream(), "ps", "-aq", "--ns"));
            assertEquals(List.of("POST /v1/containers/a/stop?t=3", "POST /v1/containers/b/stop?t=3",
                    "POST /v1/containers/a/kill?signal=TERM", "POST /v1/containers/a/restart",
                    "GET /v1/containers?all=1&ns=1"), daemon.requests.stream().map(ContainerCommandsTest::target).toList());
            assertEquals("a\nb\na\na\n0123456789ab\n", out.text());
            assertFalse(err.text().contains("berth"), err.text());
        }
    }

    @Test
    void runtimeListShowsTheDefaultAndWhyOthersAreUnusable() throws Exception {
        try (ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> ScriptedDaemon.json(stream, 200,
                "{\"default\":\"runc\",\"runtimes\":[{\"name\":\"runc\",\"path\":\"/usr/bin/runc\",\"version\":\"1.1.12\","
                        + "\"usable\":true,\"reason\":null},{\"name\":\"crun\",\"path\":\"/usr/bin/crun\",\"version\":\"1.14\","
                        + "\"usable\":false,\"reason\":\"cgroup v1 host\"}]}"))) {
            assertEquals(0, berth(daemon.uri(), InputStream.nullInputStream(), "runtime", "ls"));
            assertEquals("NAME   DEFAULT   VERSION   USABLE   REASON\n"
                    + "runc   *         1.1.12    yes      -\n"
                    + "crun             1.14      no       cgroup v1 host\n", out.text());
        }
    }

    @Test
    void createWaitInspectAndTopPrintWhatTheDaemonSays() throws Exception {
        try (ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> {
            String t = target(request);
            if (t.equals("POST /v1/containers")) {
                ScriptedDaemon.json(stream, 201, "{\"id\":\"" + ID + "\",\"name\":\"web\",\"warnings\":[]}");
            } else if (t.endsWith("/wait")) {
                ScriptedDaemon.json(stream, 200, "{\"exitCode\":" + (t.contains("/a/") ? 0 : 137) + "}");
            } else if (t.equals("GET /v1/containers/gone")) {
                ScriptedDaemon.json(stream, 404, "{\"message\":\"no such container: gone\",\"kind\":\"not_found\"}");
            } else if (t.endsWith("/top")) {
                ScriptedDaemon.json(stream, 200, "{\"titles\":[\"PID\",\"CMD\"],\"processes\":[[\"1\",\"sh\"],[\"7\",\"top -b\"]]}");
            } else {
                ScriptedDaemon.json(stream, 200, "{\"id\":\"" + ID + "\"}");
            }
        })) {
            String host = daemon.uri();
            assertEquals(0, berth(host, InputStream.nullInputStream(), "create", "--name", "web", "busybox"));
            assertEquals(0, berth(host, InputStream.nullInputStream(), "wait", "a", "b"));
            assertEquals(0, berth(host, InputStream.nullInputStream(), "top", "web"));
            assertEquals(ID + "\n0\n137\nPID   CMD\n1     sh\n7     top -b\n", out.text());
            assertEquals(1, berth(host, InputStream.nullInputStream(), "inspect", "web", "gone"));
            assertTrue(out.text().endsWith("[ {\n  \"id\" : \"" + ID + "\"\n} ]\n"), out.text());
            assertEquals("berth inspect: no such container: gone\n", err.text());
        }
    }

    @Test
    void execDetachedPrintsNothingAndStartAttachTakesOneContainer() throws Exception {
        try (ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> ScriptedDaemon.json(stream, 201,
                "{\"id\":\"" + ID + "\",\"execId\":\"e\",\"socket\":\"/nonexistent\"}"))) {
            assertEquals(0, berth(daemon.uri(), InputStream.nullInputStream(), "exec", "-d", "web", "touch", "/x"));
            assertEquals("", out.text());
            assertTrue(daemon.requests.get(0).body().contains("\"detach\":true"), daemon.requests.get(0).body());
            assertEquals(2, berth(daemon.uri(), InputStream.nullInputStream(), "start", "-a", "a", "b"));
            assertTrue(err.text().startsWith("berth start: -a and -i attach to exactly one container"), err.text());
        }
    }

    @Test
    void anAttachSocketNobodyListensOnIsReportedByName() throws Exception {
        try (ScriptedDaemon daemon = new ScriptedDaemon(folder, (request, stream) -> ScriptedDaemon.json(stream, 201,
                "{\"id\":\"" + ID + "\",\"execId\":\"e\",\"socket\":\"" + folder.resolve("none.sock") + "\"}"))) {
            assertEquals(1, berth(daemon.uri(), InputStream.nullInputStream(), "exec", "web", "true"));
            assertTrue(err.text().startsWith("berth exec: attach to " + folder.resolve("none.sock") + ": "), err.text());
        }
    }
}
