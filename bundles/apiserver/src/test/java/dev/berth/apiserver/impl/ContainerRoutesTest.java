package dev.berth.apiserver.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The container endpoints against a real {@link ApiServer} and a stand-in engine on the bus. */
class ContainerRoutesTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path folder;

    private FakeEngine engine;

    @BeforeEach
    void start() throws Exception {
        engine = new FakeEngine(folder);
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
    }

    @Test
    void createSendsTheFullRunOptionsAndAnswers201() throws Exception {
        engine.answer(order -> new JsonObject().put("id", ID).put("name", "web").put("warnings", new JsonArray()));
        FakeEngine.Answer answer = engine.call(HttpMethod.POST, "/v1/containers", """
                {"image":"busybox","name":"web","autoRemove":true,"options":{"command":["sh","-c","echo hi"],
                 "entrypoint":[],"env":["A=1","B="],"workingDir":"/tmp","volumes":[{"source":"/srv","target":"/data",
                 "readOnly":true,"relabel":"Z"}],"tty":true,"runtime":"crun",
                 "isolation":{"cap-add":["NET_ADMIN"],"memory":["64m"]}}}""");

        assertEquals(201, answer.status(), answer.body());
        assertEquals(ID, answer.json().getString("id"));
        JsonObject expected = new JsonObject("""
                {"op":"create","image":"busybox","name":"web","autoRemove":true,"options":{
                 "command":["sh","-c","echo hi"],"entrypoint":[],"env":["A=1","B="],"workingDir":"/tmp","user":null,
                 "hostname":null,"readOnly":false,"volumes":[{"source":"/srv","target":"/data","readOnly":true,
                 "relabel":"Z"}],"tty":true,"stdin":false,"runtime":"crun",
                 "isolation":{"cap-add":["NET_ADMIN"],"memory":["64m"]}}}""");
        assertEquals(List.of(expected), engine.orders);
    }

    @Test
    void createWithoutOptionsSendsTheDefaults() throws Exception {
        engine.call(HttpMethod.POST, "/v1/containers", "{\"image\":\"busybox\"}");

        assertEquals(new JsonObject("""
                {"op":"create","image":"busybox","name":null,"autoRemove":false,"options":{"command":null,
                 "entrypoint":null,"env":[],"workingDir":null,"user":null,"hostname":null,"readOnly":false,
                 "volumes":[],"tty":false,"stdin":false,"runtime":null,"isolation":{}}}"""), engine.orders.get(0));
    }

    static Stream<Arguments> operations() {
        return Stream.of(
                Arguments.of(HttpMethod.GET, "/v1/containers", null, "{\"op\":\"list\",\"all\":false,\"ns\":false}"),
                Arguments.of(HttpMethod.GET, "/v1/containers?all=1&ns=true", null,
                        "{\"op\":\"list\",\"all\":true,\"ns\":true}"),
                Arguments.of(HttpMethod.GET, "/v1/containers/web", null, "{\"op\":\"inspect\",\"id\":\"web\"}"),
                Arguments.of(HttpMethod.POST, "/v1/containers/0123/start", null, "{\"op\":\"start\",\"id\":\"0123\"}"),
                Arguments.of(HttpMethod.POST, "/v1/containers/web/attach", null, "{\"op\":\"attach\",\"id\":\"web\"}"),
                Arguments.of(HttpMethod.POST, "/v1/containers/web/stop", null,
                        "{\"op\":\"stop\",\"id\":\"web\",\"timeout\":10}"),
                Arguments.of(HttpMethod.POST, "/v1/containers/web/stop?t=3", null,
                        "{\"op\":\"stop\",\"id\":\"web\",\"timeout\":3}"),
                Arguments.of(HttpMethod.POST, "/v1/containers/web/restart?t=0", null,
                        "{\"op\":\"restart\",\"id\":\"web\",\"timeout\":0}"),
                Arguments.of(HttpMethod.POST, "/v1/containers/web/kill", null,
                        "{\"op\":\"kill\",\"id\":\"web\",\"signal\":\"KILL\"}"),
                Arguments.of(HttpMethod.POST, "/v1/containers/web/kill?signal=SIGTERM", null,
                        "{\"op\":\"kill\",\"id\":\"web\",\"signal\":\"SIGTERM\"}"),
                Arguments.of(HttpMethod.POST, "/v1/containers/web/kill?signal=9", null,
                        "{\"op\":\"kill\",\"id\":\"web\",\"signal\":\"9\"}"),
                Arguments.of(HttpMethod.POST, "/v1/containers/web/wait", null, "{\"op\":\"wait\",\"id\":\"web\"}"),
                Arguments.of(HttpMethod.DELETE, "/v1/containers/web", null,
                        "{\"op\":\"remove\",\"id\":\"web\",\"force\":false}"),
                Arguments.of(HttpMethod.DELETE, "/v1/containers/web?force=1", null,
                        "{\"op\":\"remove\",\"id\":\"web\",\"force\":true}"),
                Arguments.of(HttpMethod.GET, "/v1/containers/web/top", null, "{\"op\":\"top\",\"id\":\"web\"}"),
                Arguments.of(HttpMethod.GET, "/v1/containers/web/caps", null, "{\"op\":\"caps\",\"id\":\"web\"}"),
                Arguments.of(HttpMethod.GET, "/v1/stats", null, "{\"op\":\"stats\",\"ids\":[]}"),
                Arguments.of(HttpMethod.GET, "/v1/stats?id=web&id=db", null,
                        "{\"op\":\"stats\",\"ids\":[\"web\",\"db\"]}"),
                Arguments.of(HttpMethod.POST, "/v1/containers/web/exec", "{\"args\":[\"ls\",\"-l\"],\"tty\":true}",
                        "{\"op\":\"exec\",\"id\":\"web\",\"args\":[\"ls\",\"-l\"],\"env\":[],\"workingDir\":null,"
                                + "\"user\":null,\"tty\":true,\"stdin\":false,\"detach\":false}"),
                Arguments.of(HttpMethod.GET, "/v1/runtimes", null, "{\"op\":\"runtimes\"}"),
                Arguments.of(HttpMethod.POST, "/v1/runtimes/default", "{\"name\":\"crun\"}",
                        "{\"op\":\"runtime.default\",\"name\":\"crun\"}"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("operations")
    void eachEndpointSendsOneOrderAndPassesTheAnswerOn(HttpMethod method, String uri, String body, String order)
            throws Exception {
        FakeEngine.Answer answer = engine.call(method, uri, body);

        assertEquals(List.of(new JsonObject(order)), engine.orders);
        assertEquals(uri.endsWith("/exec") ? 201 : 200, answer.status(), answer.body());
        assertEquals(new JsonObject(order), answer.json().getJsonObject("echo"));
    }

    @Test
    void engineFailuresKeepTheirStatusAndMessage() throws Exception {
        engine.answer(order -> new FakeEngine.Failure(404, "no such image: busybox:latest"));
        FakeEngine.Answer missing = engine.call(HttpMethod.POST, "/v1/containers", "{\"image\":\"busybox\"}");
        assertEquals(404, missing.status());
        assertEquals(new JsonObject().put("message", "no such image: busybox:latest").put("kind", "not_found"),
                missing.json());

        engine.answer(order -> new FakeEngine.Failure(409, "prefix 01 is ambiguous: 01aa (a), 01bb (b)"));
        FakeEngine.Answer ambiguous = engine.call(HttpMethod.POST, "/v1/containers/01/start", null);
        assertEquals(409, ambiguous.status());
        assertEquals("conflict", ambiguous.json().getString("kind"));
    }

    @Test
    void waitMayBlockForADay() {
        assertTrue(ContainerRoutes.WAIT_TIMEOUT_MS >= 24L * 3600 * 1000);
    }

    static Stream<Arguments> malformed() {
        String huge = "{\"image\":\"" + "a".repeat(ApiServer.MAX_BODY) + "\"}";
        return Stream.of(
                bad("BadJson", HttpMethod.POST, "/v1/containers", "{\"image\":", 400, "not a JSON object"),
                bad("ArrayBody", HttpMethod.POST, "/v1/containers", "[\"busybox\"]", 400, "not a JSON object"),
                bad("EmptyBody", HttpMethod.POST, "/v1/containers", "", 400, "create"),
                bad("UnknownField", HttpMethod.POST, "/v1/containers", "{\"image\":\"a\",\"cmd\":[]}", 400,
                        "unknown field \\\"cmd\\\""),
                bad("MissingImage", HttpMethod.POST, "/v1/containers", "{\"name\":\"web\"}", 400, "\\\"image\\\""),
                bad("ImageNotString", HttpMethod.POST, "/v1/containers", "{\"image\":5}", 400, "\\\"image\\\""),
                bad("ImageBlank", HttpMethod.POST, "/v1/containers", "{\"image\":\" \"}", 400, "\\\"image\\\""),
                bad("NameWithSlash", HttpMethod.POST, "/v1/containers", "{\"image\":\"a\",\"name\":\"a/b\"}", 400,
                        "\\\"name\\\""),
                bad("AutoRemoveString", HttpMethod.POST, "/v1/containers", "{\"image\":\"a\",\"autoRemove\":\"yes\"}",
                        400, "\\\"autoRemove\\\""),
                bad("OptionsNotObject", HttpMethod.POST, "/v1/containers", "{\"image\":\"a\",\"options\":[]}", 400,
                        "\\\"options\\\""),
                bad("UnknownOption", HttpMethod.POST, "/v1/containers", "{\"image\":\"a\",\"options\":{\"cpu\":1}}",
                        400, "options.cpu"),
                bad("EnvNotList", HttpMethod.POST, "/v1/containers", "{\"image\":\"a\",\"options\":{\"env\":\"A=1\"}}",
                        400, "options.env"),
                bad("EnvWithoutEquals", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"env\":[\"A\"]}}", 400, "options.env[0]"),
                bad("CommandItemNumber", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"command\":[\"ls\",1]}}", 400, "options.command[1]"),
                bad("TtyString", HttpMethod.POST, "/v1/containers", "{\"image\":\"a\",\"options\":{\"tty\":\"true\"}}",
                        400, "options.tty"),
                bad("RelativeWorkingDir", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"workingDir\":\"tmp\"}}", 400, "options.workingDir"),
                bad("RelativeVolumeSource", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"volumes\":[{\"source\":\"srv\",\"target\":\"/d\"}]}}", 400,
                        "options.volumes[0].source"),
                bad("VolumeUnknownField", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"volumes\":[{\"source\":\"/s\",\"target\":\"/d\",\"rw\":1}]}}",
                        400, "options.volumes[0].rw"),
                bad("VolumeNotObject", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"volumes\":[\"/s:/d\"]}}", 400, "options.volumes[0]"),
                bad("BadRuntimeName", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"runtime\":\"../runc\"}}", 400, "options.runtime"),
                bad("MemoryOutsideIsolation", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"memory\":\"64m\"}}", 400, "options.memory"),
                bad("IsolationNotObject", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"isolation\":[\"memory\"]}}", 400, "options.isolation"),
                bad("IsolationValueNotList", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"isolation\":{\"memory\":\"64m\"}}}", 400,
                        "options.isolation.memory"),
                bad("IsolationValueNumber", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"isolation\":{\"cpus\":[0.5]}}}", 400,
                        "options.isolation.cpus[0]"),
                bad("IsolationOptionNameTraversal", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"isolation\":{\"../cap\":[\"x\"]}}}", 400,
                        "is not an option name"),
                bad("VolumeRelabelBogus", HttpMethod.POST, "/v1/containers",
                        "{\"image\":\"a\",\"options\":{\"volumes\":[{\"source\":\"/s\",\"target\":\"/d\","
                                + "\"relabel\":\"q\"}]}}", 400, "options.volumes[0].relabel"),
                bad("HugeBody", HttpMethod.POST, "/v1/containers", huge, 413, "larger than"),
                bad("CreateWithParameter", HttpMethod.POST, "/v1/containers?pull=1", "{\"image\":\"a\"}", 400,
                        "unknown parameter \\\"pull\\\""),
                bad("ExecWithoutArgs", HttpMethod.POST, "/v1/containers/web/exec", "{\"tty\":true}", 400,
                        "\\\"args\\\""),
                bad("ExecEmptyArgs", HttpMethod.POST, "/v1/containers/web/exec", "{\"args\":[]}", 400, "\\\"args\\\""),
                bad("ExecDetachString", HttpMethod.POST, "/v1/containers/web/exec",
                        "{\"args\":[\"ls\"],\"detach\":\"no\"}", 400, "\\\"detach\\\""),
                bad("ExecUnknownField", HttpMethod.POST, "/v1/containers/web/exec", "{\"args\":[\"ls\"],\"cmd\":1}",
                        400, "unknown field"),
                bad("RuntimeWithoutName", HttpMethod.POST, "/v1/runtimes/default", "{}", 400, "\\\"name\\\""),
                bad("RuntimeNameWithSpace", HttpMethod.POST, "/v1/runtimes/default", "{\"name\":\"a b\"}", 400,
                        "\\\"name\\\""),
                bad("EncodedSlashInId", HttpMethod.POST, "/v1/containers/a%2Fb/start", null, 400, "must not contain '/'"),
                bad("SlashInId", HttpMethod.POST, "/v1/containers/a/b/start", null, 400, "must not contain '/'"),
                bad("LongId", HttpMethod.GET, "/v1/containers/" + "a".repeat(129), null, 400, "longer than 128"),
                bad("DotDotId", HttpMethod.GET, "/v1/containers/..", null, 400, "is not a container id"),
                bad("EmptyId", HttpMethod.GET, "/v1/containers/", null, 400, "missing container id"),
                bad("StopTimeoutText", HttpMethod.POST, "/v1/containers/web/stop?t=soon", null, 400, "t: \\\"soon\\\""),
                bad("StopTimeoutNegative", HttpMethod.POST, "/v1/containers/web/stop?t=-1", null, 400, "t: "),
                bad("StopTimeoutHuge", HttpMethod.POST, "/v1/containers/web/stop?t=99999999999999", null, 400,
                        "more than a day"),
                bad("KillBadSignal", HttpMethod.POST, "/v1/containers/web/kill?signal=T%20E", null, 400, "signal"),
                bad("StartParameter", HttpMethod.POST, "/v1/containers/web/start?detach=1", null, 400,
                        "unknown parameter"),
                bad("ListUnknownParameter", HttpMethod.GET, "/v1/containers?size=1", null, 400, "\\\"size\\\""),
                bad("ForceNotBoolean", HttpMethod.DELETE, "/v1/containers/web?force=maybe", null, 400, "force"),
                bad("LogsBadTail", HttpMethod.GET, "/v1/containers/web/logs?tail=-3", null, 400, "tail"),
                bad("LogsBadSince", HttpMethod.GET, "/v1/containers/web/logs?since=yesterday", null, 400, "since"),
                bad("PutCollection", HttpMethod.PUT, "/v1/containers", null, 405, "not allowed"),
                bad("GetStart", HttpMethod.GET, "/v1/containers/web/start", null, 405, "not allowed"),
                bad("UnknownAction", HttpMethod.POST, "/v1/containers/web/pause", null, 404, "no such endpoint"));
    }

    private static Arguments bad(String name, HttpMethod method, String uri, String body, int status, String text) {
        return Arguments.of(name, method, uri, body, status, text);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedRequestsAreRefusedBeforeTheBus(String name, HttpMethod method, String uri, String body, int status,
            String text) throws Exception {
        FakeEngine.Answer answer = engine.call(method, uri, body);

        assertEquals(status, answer.status(), answer.body());
        assertTrue(answer.body().contains(text), answer.body());
        assertTrue(answer.json().containsKey("message") && answer.json().containsKey("kind"), answer.body());
        assertEquals(List.of(), engine.orders);
    }

    private static String entry(int n) {
        return "{\"time\":\"2026-11-29T10:00:0" + n + "Z\",\"stream\":\"stdout\",\"log\":\"line " + n + "\\n\"}";
    }

    @Test
    void logsWithTailAnswersTheLastEntriesAndEnds() throws Exception {
        Path log = folder.resolve("c.log");
        java.nio.file.Files.writeString(log, entry(1) + "\n" + entry(2) + "\n" + entry(3) + "\n");
        engine.answer(order -> new JsonObject().put("id", ID).put("logPath", log.toString()).put("running", true));

        FakeEngine.Answer answer = engine.call(HttpMethod.GET, "/v1/containers/web/logs?tail=2", null);

        assertEquals(200, answer.status(), answer.body());
        assertEquals(entry(2) + "\n" + entry(3) + "\n", answer.body());
        assertEquals(List.of(new JsonObject("{\"op\":\"logs\",\"id\":\"web\"}")), engine.orders);
    }

    @Test
    void logsSinceLeavesOutOlderEntries() throws Exception {
        Path log = folder.resolve("c.log");
        java.nio.file.Files.writeString(log, entry(1) + "\n" + entry(2) + "\n" + entry(3) + "\n");
        engine.answer(order -> new JsonObject().put("id", ID).put("logPath", log.toString()).put("running", false));

        FakeEngine.Answer answer = engine.call(HttpMethod.GET,
                "/v1/containers/web/logs?since=2026-11-29T10:00:02Z&follow=1", null);

        assertEquals(entry(2) + "\n" + entry(3) + "\n", answer.body(), "a stopped container's log ends even with follow");
    }

    @Test
    void logsOfAnUnknownContainerKeepTheEnginesStatus() throws Exception {
        engine.answer(order -> new FakeEngine.Failure(404, "no such container: nope"));
        FakeEngine.Answer answer = engine.call(HttpMethod.GET, "/v1/containers/nope/logs", null);
        assertEquals(404, answer.status());
        assertEquals("no such container: nope", answer.json().getString("message"));
    }

    @Test
    void logsFollowWaitsForTheFileAndEndsOnceTheContainerStoppedAndTheFileIsDrained() throws Exception {
        Path log = folder.resolve("later.log");
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        engine.answer(order -> new JsonObject().put("id", ID).put("logPath", log.toString())
                .put("running", running.get()));

        FakeEngine.Streamed stream = engine.stream("/v1/containers/web/logs?follow=1");
        assertEquals(200, stream.status.get());
        Thread.sleep(300);
        java.nio.file.Files.writeString(log, entry(1) + "\n" + entry(2).substring(0, 5));
        waitFor(() -> stream.text.toString().equals(entry(1) + "\n"), "first entry");
        java.nio.file.Files.writeString(log, entry(2).substring(5) + "\n" + entry(3) + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        running.set(false);

        stream.ended.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(entry(1) + "\n" + entry(2) + "\n" + entry(3) + "\n", stream.text.toString());
        assertTrue(engine.orders.size() >= 2, "asked again whether it runs: " + engine.orders);
    }

    @Test
    void logsFollowStopsWhenTheClientGoesAway() throws Exception {
        Path log = folder.resolve("c.log");
        engine.answer(order -> new JsonObject().put("id", ID).put("logPath", log.toString()).put("running", true));
        FakeEngine.Streamed stream = engine.stream("/v1/containers/web/logs?follow=1");
        Thread.sleep(1200);
        stream.disconnect();
        Thread.sleep(300);
        int asked = engine.orders.size();
        Thread.sleep(1500);
        assertEquals(asked, engine.orders.size(), "still polling after the client left: " + engine.orders);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
