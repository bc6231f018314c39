package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /events} from an in-memory log: translation, time window, filters and the live tail. */
class EventsApiTest {
    static final String C1 = "1".repeat(64);
    static final String C2 = "2".repeat(64);
    static final String MANIFEST = "sha256:" + "a".repeat(64);
    static final String CONFIG = "sha256:" + "c".repeat(64);
    static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");

    @TempDir
    Path folder;

    private DockerHarness docker;

    @BeforeEach
    void start() throws Exception {
        docker = new DockerHarness(folder);
        docker.engine(BusAddresses.ENGINE_CONTAINERS, r -> new JsonObject().put("containers", new JsonArray()));
        docker.engine(BusAddresses.ENGINE_IMAGES, r -> new JsonObject().put("images", new JsonArray()));
        MemoryLog log = docker.log;
        log.add(T0, "image.pulled", MANIFEST, new JsonObject().put("reference", "docker.io/library/busybox:latest")
                .put("manifestDigest", MANIFEST).put("configDigest", CONFIG).encode());
        log.add(T0.plusSeconds(1), "image.tagged", "docker.io/library/busybox:latest", new JsonObject()
                .put("reference", "docker.io/library/busybox:latest").put("manifestDigest", MANIFEST).encode());
        log.add(T0.plusSeconds(2), "container.created", C1, new JsonObject().put("name", "web")
                .put("image", "docker.io/library/busybox:latest").encode());
        log.add(T0.plusSeconds(3), "container.started", C1, new JsonObject().put("pid", 42).encode());
        log.add(T0.plusSeconds(4), "spec.generated", C1, "{}");
        log.add(T0.plusSeconds(5), "container.execd", C1, new JsonObject().put("execId", "e1")
                .put("args", new JsonArray().add("sh").add("-c").add("true")).encode());
        log.add(T0.plusSeconds(6), "container.killed", C1, new JsonObject().put("signal", 15).encode());
        log.add(T0.plusSeconds(7), "container.exited", C1, new JsonObject().put("exitCode", 143).encode());
        log.add(T0.plusSeconds(8), "container.created", C2, new JsonObject().put("name", "db")
                .put("image", "127.0.0.1:5000/busybox:latest").encode());
        log.add(T0.plusSeconds(9), "container.removed", C1, new JsonObject().put("name", "web").encode());
        log.add(T0.plusSeconds(10), "image.untagged", "docker.io/library/busybox:latest", new JsonObject()
                .put("reference", "docker.io/library/busybox:latest").put("manifestDigest", MANIFEST).encode());
        log.add(T0.plusSeconds(11), "image.removed", MANIFEST, new JsonObject().put("manifestDigest", MANIFEST).encode());
    }

    @AfterEach
    void stop() throws Exception {
        docker.close();
    }

    private List<JsonObject> events(String query) throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.GET, "/v1.50/events?" + query);
        assertEquals(200, answer.status(), answer.body());
        return answer.body().lines().map(JsonObject::new).toList();
    }

    private static String secs(Instant t) {
        return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
    }

    @Test
    void historyBetweenSinceAndUntilInDockersShape() throws Exception {
        List<JsonObject> all = events("since=" + secs(T0) + "&until=" + secs(T0.plusSeconds(11)));
        assertEquals(List.of("pull", "tag", "create", "start", "exec_create: sh -c true", "exec_start: sh -c true", "kill",
                "die", "create", "destroy", "untag", "delete"), all.stream().map(e -> e.getString("Action")).toList());
        JsonObject die = all.get(7);
        assertEquals("container", die.getString("Type"));
        assertEquals(C1, die.getJsonObject("Actor").getString("ID"));
        assertEquals(new JsonObject().put("image", "busybox:latest").put("name", "web").put("exitCode", "143"),
                die.getJsonObject("Actor").getJsonObject("Attributes"));
        assertEquals("local", die.getString("scope"));
        assertEquals(T0.plusSeconds(7).getEpochSecond(), die.getLong("time"));
        assertEquals(DockerTime.nanos(T0.plusSeconds(7)), die.getLong("timeNano"));
        assertEquals("15", all.get(6).getJsonObject("Actor").getJsonObject("Attributes").getString("signal"));
        JsonObject pull = all.get(0);
        assertEquals("busybox:latest", pull.getJsonObject("Actor").getString("ID"));
        assertEquals(CONFIG, all.get(1).getJsonObject("Actor").getString("ID"));
        assertEquals("busybox:latest", all.get(1).getJsonObject("Actor").getJsonObject("Attributes").getString("name"));
        assertEquals(CONFIG, all.get(11).getJsonObject("Actor").getString("ID"));

        assertEquals(2, events("since=" + secs(T0.plusSeconds(2)) + "&until=" + secs(T0.plusSeconds(4))).size());
        assertEquals(2, events("until=" + secs(T0.plusSeconds(1))).size());
    }

    @Test
    void filtersFollowDockersRules() throws Exception {
        String window = "since=" + secs(T0) + "&until=" + secs(T0.plusSeconds(11)) + "&filters=";
        assertEquals(List.of("create", "start", "exec_create: sh -c true", "exec_start: sh -c true", "kill", "die",
                "destroy"), events(window + ImageApiTest.encode("{\"container\":{\"web\":true}}")).stream()
                .map(e -> e.getString("Action")).toList());
        assertEquals(2, events(window + ImageApiTest.encode("{\"type\":[\"container\"],\"event\":[\"create\"]}")).size());
        assertEquals(2, events(window + ImageApiTest.encode("{\"event\":[\"exec_start\",\"die\"]}")).size());
        assertEquals(1, events(window + ImageApiTest.encode("{\"container\":[\"2222\"]}")).size());
        assertEquals(4, events(window + ImageApiTest.encode("{\"type\":[\"image\"]}")).size());
        List<JsonObject> byImage = events(window + ImageApiTest.encode("{\"image\":[\"busybox\"]}"));
        assertTrue(byImage.size() >= 7, byImage.toString());
        assertEquals(0, events(window + ImageApiTest.encode("{\"volume\":[\"v\"]}")).size());
    }

    @Test
    void withoutUntilTheStreamFollowsTheLog() throws Exception {
        java.util.concurrent.CompletableFuture<String> first = new java.util.concurrent.CompletableFuture<>();
        StringBuffer text = new StringBuffer();
        io.vertx.core.http.HttpClient client = docker.vertx.createHttpClient();
        client.request(new io.vertx.core.http.RequestOptions().setServer(io.vertx.core.net.SocketAddress
                        .domainSocketAddress(folder.resolve("docker.sock").toString()))
                        .setURI("/v1.50/events?filters=" + ImageApiTest.encode("{\"type\":[\"container\"]}"))
                        .setHost("docker"))
                // The handler is set by a listener on send() itself, so that it runs where the answer arrives.
                .onSuccess(r -> r.send().onSuccess(response -> response.handler(b -> {
                    text.append(b.toString());
                    if (text.toString().contains("\n")) {
                        first.complete(text.toString());
                    }
                })));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (docker.log.listeners() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        docker.log.add(Instant.now(), "note.added", "x", "{}");
        docker.log.add(Instant.now(), "container.started", C2, new JsonObject().put("pid", 7).encode());
        JsonObject live = new JsonObject(first.get(10, TimeUnit.SECONDS).lines().findFirst().orElseThrow());
        assertEquals("start", live.getString("Action"));
        assertEquals(C2, live.getJsonObject("Actor").getString("ID"));
    }
}
