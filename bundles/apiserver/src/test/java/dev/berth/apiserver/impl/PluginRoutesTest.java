package dev.berth.apiserver.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code POST /v1/plugins/install|update|stop|start|remove|use} against a real {@link ApiServer}, with a
 * stand-in engine consumer on {@link BusAddresses#ENGINE_PLUGIN} that records every order it gets.
 */
class PluginRoutesTest {
    @TempDir
    Path folder;

    private FakeEngine engine;
    private final List<JsonObject> orders = new CopyOnWriteArrayList<>();
    private volatile Function<JsonObject, Object> answers = order -> new JsonObject().put("echo", order);

    @BeforeEach
    void start() throws Exception {
        engine = new FakeEngine(folder);
        engine.vertx.eventBus().<String>consumer(BusAddresses.ENGINE_PLUGIN, message -> {
            JsonObject order = new JsonObject(message.body());
            orders.add(order);
            Object answer = answers.apply(order);
            if (answer instanceof FakeEngine.Failure failure) {
                message.fail(failure.code(), failure.message());
            } else {
                message.reply(((JsonObject) answer).encode());
            }
        }).completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
    }

    @Test
    void theAddressIsTheDocumentedOne() {
        assertEquals("berth.engine.plugin", BusAddresses.ENGINE_PLUGIN);
    }

    private static Arguments ok(String name, String op, String body, String order) {
        return Arguments.of(name, op, body, order);
    }

    static Stream<Arguments> wellFormed() {
        return Stream.of(
                ok("Install", "install", "{\"file\":\"/srv/plugins/crun.jar\"}",
                        "{\"op\":\"install\",\"file\":\"/srv/plugins/crun.jar\",\"use\":false}"),
                ok("InstallAndUse", "install", "{\"file\":\"/srv/crun.jar\",\"use\":true}",
                        "{\"op\":\"install\",\"file\":\"/srv/crun.jar\",\"use\":true}"),
                ok("InstallUseFalse", "install", "{\"file\":\"/srv/crun.jar\",\"use\":false}",
                        "{\"op\":\"install\",\"file\":\"/srv/crun.jar\",\"use\":false}"),
                ok("InstallUseNullIsFalse", "install", "{\"file\":\"/srv/crun.jar\",\"use\":null}",
                        "{\"op\":\"install\",\"file\":\"/srv/crun.jar\",\"use\":false}"),
                ok("InstallPathWithSpacesAndUnicode", "install", "{\"file\":\"/srv/my plugins/prüfung.jar\"}",
                        "{\"op\":\"install\",\"file\":\"/srv/my plugins/prüfung.jar\",\"use\":false}"),
                ok("Update", "update", "{\"id\":\"dev.berth.plugin.crun\",\"file\":\"/tmp/crun-2.jar\"}",
                        "{\"op\":\"update\",\"id\":\"dev.berth.plugin.crun\",\"file\":\"/tmp/crun-2.jar\"}"),
                ok("Stop", "stop", "{\"id\":\"dev.berth.plugin.crun\"}",
                        "{\"op\":\"stop\",\"id\":\"dev.berth.plugin.crun\",\"force\":false}"),
                ok("StopForce", "stop", "{\"id\":\"dev.berth.plugin.crun\",\"force\":true}",
                        "{\"op\":\"stop\",\"id\":\"dev.berth.plugin.crun\",\"force\":true}"),
                ok("Start", "start", "{\"id\":\"dev.berth.plugin.crun\"}",
                        "{\"op\":\"start\",\"id\":\"dev.berth.plugin.crun\"}"),
                ok("Remove", "remove", "{\"id\":\"dev.berth.plugin.crun\"}",
                        "{\"op\":\"remove\",\"id\":\"dev.berth.plugin.crun\",\"force\":false}"),
                ok("RemoveForce", "remove", "{\"force\":true,\"id\":\"dev.berth.plugin.crun\"}",
                        "{\"op\":\"remove\",\"id\":\"dev.berth.plugin.crun\",\"force\":true}"),
                ok("Use", "use", "{\"id\":\"dev.berth.plugin.expand-zstd\"}",
                        "{\"op\":\"use\",\"id\":\"dev.berth.plugin.expand-zstd\",\"stage\":null}"),
                ok("UseWithStage", "use", "{\"id\":\"dev.berth.plugin.multi\",\"stage\":\"expand\"}",
                        "{\"op\":\"use\",\"id\":\"dev.berth.plugin.multi\",\"stage\":\"expand\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFormed")
    void wellFormedChangesAreForwardedWithOnlyTheirFields(String name, String op, String body, String order)
            throws Exception {
        FakeEngine.Answer answer = engine.call(HttpMethod.POST, "/v1/plugins/" + op, body);

        assertEquals(200, answer.status(), answer.body());
        assertEquals(List.of(new JsonObject(order)), orders);
        assertEquals(new JsonObject(order), answer.json().getJsonObject("echo"), "the engine's answer is passed on");
        assertEquals(List.of(), engine.orders, "nothing went to the container address");
    }

    @Test
    void engineFailuresKeepTheirStatusAndMessage() throws Exception {
        answers = order -> new FakeEngine.Failure(409, "runtime crun holds 2 containers: stop them or use --force");

        FakeEngine.Answer answer = engine.call(HttpMethod.POST, "/v1/plugins/stop", "{\"id\":\"crun\"}");

        assertEquals(409, answer.status(), answer.body());
        assertEquals(new JsonObject().put("message", "runtime crun holds 2 containers: stop them or use --force")
                .put("kind", "conflict"), answer.json());
        assertEquals(1, orders.size());
    }

    private static Arguments bad(String name, HttpMethod method, String uri, String body, int status, String text) {
        return Arguments.of(name, method, uri, body, status, text);
    }

    static Stream<Arguments> hostile() {
        String huge = "{\"file\":\"/" + "a".repeat(ApiServer.MAX_BODY) + "\"}";
        return Stream.of(
                bad("UnknownOp", HttpMethod.POST, "/v1/plugins/upgrade", "{\"id\":\"x\"}", 404,
                        "plugin changes: install, remove, start, stop, update, use"),
                bad("RmIsTheCliWordNotTheOp", HttpMethod.POST, "/v1/plugins/rm", "{\"id\":\"x\"}", 404,
                        "no such endpoint: POST /v1/plugins/rm"),
                bad("OpInOtherCase", HttpMethod.POST, "/v1/plugins/INSTALL", "{\"file\":\"/a.jar\"}", 404,
                        "no such endpoint"),
                bad("EmptyOp", HttpMethod.POST, "/v1/plugins/", "{}", 404, "no such endpoint"),
                bad("OpWithExtraSegment", HttpMethod.POST, "/v1/plugins/stop/now", "{\"id\":\"x\"}", 404,
                        "no such endpoint"),
                bad("GetInsteadOfPost", HttpMethod.GET, "/v1/plugins/install", null, 405,
                        "method GET is not allowed on /v1/plugins/install; use POST"),
                bad("DeleteInsteadOfPost", HttpMethod.DELETE, "/v1/plugins/remove", null, 405, "use POST"),
                bad("PutInsteadOfPost", HttpMethod.PUT, "/v1/plugins/use", "{\"id\":\"x\"}", 405, "use POST"),
                bad("BodyNotJson", HttpMethod.POST, "/v1/plugins/install", "{\"file\":", 400,
                        "plugin install: request body is not a JSON object"),
                bad("BodyIsAnArray", HttpMethod.POST, "/v1/plugins/stop", "[\"x\"]", 400,
                        "plugin stop: request body is not a JSON object"),
                bad("BodyIsAString", HttpMethod.POST, "/v1/plugins/start", "\"x\"", 400,
                        "plugin start: request body is not a JSON object"),
                bad("EmptyBody", HttpMethod.POST, "/v1/plugins/start", "", 400, "plugin start: "),
                bad("UnknownField", HttpMethod.POST, "/v1/plugins/stop", "{\"id\":\"x\",\"all\":true}", 400,
                        "plugin stop: unknown field \"all\"; known: force, id"),
                bad("FieldOfAnotherOp", HttpMethod.POST, "/v1/plugins/start", "{\"id\":\"x\",\"force\":true}", 400,
                        "plugin start: unknown field \"force\"; known: id"),
                bad("InstallTakesNoId", HttpMethod.POST, "/v1/plugins/install",
                        "{\"id\":\"x\",\"file\":\"/a.jar\"}", 400, "unknown field \"id\"; known: file, use"),
                bad("UseTakesNoFile", HttpMethod.POST, "/v1/plugins/use", "{\"id\":\"x\",\"file\":\"/a.jar\"}", 400,
                        "unknown field \"file\"; known: id, stage"),
                bad("OpFieldSmuggled", HttpMethod.POST, "/v1/plugins/start", "{\"id\":\"x\",\"op\":\"remove\"}", 400,
                        "unknown field \"op\""),
                bad("MissingId", HttpMethod.POST, "/v1/plugins/stop", "{}", 400,
                        "plugin stop: field \"id\" must be a non-empty string"),
                bad("MissingIdOnUpdate", HttpMethod.POST, "/v1/plugins/update", "{\"file\":\"/a.jar\"}", 400,
                        "field \"id\""),
                bad("IdNull", HttpMethod.POST, "/v1/plugins/start", "{\"id\":null}", 400, "field \"id\""),
                bad("IdNumber", HttpMethod.POST, "/v1/plugins/remove", "{\"id\":42}", 400, "field \"id\""),
                bad("IdArray", HttpMethod.POST, "/v1/plugins/use", "{\"id\":[\"a\"]}", 400, "field \"id\""),
                bad("IdObject", HttpMethod.POST, "/v1/plugins/start", "{\"id\":{\"name\":\"a\"}}", 400,
                        "field \"id\""),
                bad("IdBlank", HttpMethod.POST, "/v1/plugins/start", "{\"id\":\"  \"}", 400, "field \"id\""),
                bad("MissingFile", HttpMethod.POST, "/v1/plugins/install", "{}", 400,
                        "plugin install: field \"file\" must be a non-empty string"),
                bad("MissingFileOnUpdate", HttpMethod.POST, "/v1/plugins/update", "{\"id\":\"x\"}", 400,
                        "field \"file\""),
                bad("FileNotString", HttpMethod.POST, "/v1/plugins/install", "{\"file\":true}", 400,
                        "field \"file\""),
                bad("RelativeFile", HttpMethod.POST, "/v1/plugins/install", "{\"file\":\"plugins/crun.jar\"}", 400,
                        "plugin install: field \"file\": \"plugins/crun.jar\" is not an absolute path on the daemon's host"),
                bad("DotRelativeFile", HttpMethod.POST, "/v1/plugins/update",
                        "{\"id\":\"x\",\"file\":\"./crun.jar\"}", 400, "is not an absolute path"),
                bad("HomeRelativeFile", HttpMethod.POST, "/v1/plugins/install", "{\"file\":\"~/crun.jar\"}", 400,
                        "is not an absolute path"),
                bad("FileWithNulByte", HttpMethod.POST, "/v1/plugins/install",
                        "{\"file\":\"/srv/crun.jar\\u0000.txt\"}", 400, "is not an absolute path"),
                bad("ForceNotBoolean", HttpMethod.POST, "/v1/plugins/stop", "{\"id\":\"x\",\"force\":\"yes\"}", 400,
                        "plugin stop: field \"force\" must be true or false"),
                bad("ForceNumber", HttpMethod.POST, "/v1/plugins/remove", "{\"id\":\"x\",\"force\":1}", 400,
                        "plugin remove: field \"force\" must be true or false"),
                bad("ForceStringTrue", HttpMethod.POST, "/v1/plugins/remove", "{\"id\":\"x\",\"force\":\"true\"}",
                        400, "field \"force\" must be true or false"),
                bad("UseNotBoolean", HttpMethod.POST, "/v1/plugins/install", "{\"file\":\"/a.jar\",\"use\":\"yes\"}",
                        400, "plugin install: field \"use\" must be true or false"),
                bad("StageNotString", HttpMethod.POST, "/v1/plugins/use", "{\"id\":\"x\",\"stage\":7}", 400,
                        "plugin use: field \"stage\" must be a non-empty string"),
                bad("StageBlank", HttpMethod.POST, "/v1/plugins/use", "{\"id\":\"x\",\"stage\":\"\"}", 400,
                        "field \"stage\""),
                bad("HugeBody", HttpMethod.POST, "/v1/plugins/install", huge, 413, "larger than"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileRequestsAreRefusedBeforeTheBus(String name, HttpMethod method, String uri, String body, int status,
            String text) throws Exception {
        FakeEngine.Answer answer = engine.call(method, uri, body);

        assertEquals(status, answer.status(), answer.body());
        JsonObject json = answer.json();
        assertTrue(json.containsKey("kind"), answer.body());
        assertTrue(json.getString("message").contains(text), json.getString("message"));
        assertEquals(List.of(), orders, "a refused request reached the engine");
        assertEquals(List.of(), engine.orders);
    }

    @Test
    void a405NamesTheAllowedMethod() throws Exception {
        FakeEngine.Answer answer = engine.call(HttpMethod.GET, "/v1/plugins/stop", null);

        assertEquals(405, answer.status());
        assertEquals("invalid", answer.json().getString("kind"));
        assertEquals(List.of(), orders);
    }

    @Test
    void theListingStaysAGet() throws Exception {
        // GET /v1/plugins (berth plugins) is another route: it must not be taken for a change.
        FakeEngine.Answer post = engine.call(HttpMethod.POST, "/v1/plugins", "{}");

        assertEquals(405, post.status(), post.body());
        assertEquals(List.of(), orders);
    }

    /** Every 400 names the field at fault, a bad path in "file" included (not only the value). */
    @Test
    void aBadFilePathNamesTheField() throws Exception {
        for (String body : List.of("{\"file\":\"plugins/crun.jar\"}", "{\"file\":\"/srv/crun.jar\\u0000\"}")) {
            FakeEngine.Answer answer = engine.call(HttpMethod.POST, "/v1/plugins/install", body);

            assertEquals(400, answer.status(), answer.body());
            assertTrue(answer.json().getString("message").contains("\"file\""), answer.json().getString("message"));
        }
    }
}
