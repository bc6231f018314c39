package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image calls against a real {@link DockerServer} and stand-in engine answers. */
class ImageApiTest {
    static final String ID = "sha256:" + "c".repeat(64);
    static final String MANIFEST = "sha256:" + "a".repeat(64);
    static final String OTHER_ID = "sha256:" + "cd".repeat(32);

    @TempDir
    Path folder;

    private DockerHarness docker;

    static JsonObject busybox() {
        return new JsonObject().put("manifestDigest", MANIFEST).put("id", ID)
                .put("tags", new JsonArray().add("docker.io/library/busybox:latest").add("127.0.0.1:5000/busybox:1"))
                .put("platform", "linux/amd64").put("size", 1234).put("layers", 1)
                .put("pulledAt", "2026-11-29T10:00:00Z").put("pulledSequence", 7);
    }

    static JsonObject inspected() {
        return busybox().put("config", new JsonObject().put("created", "2024-01-02T03:04:05Z")
                .put("architecture", "amd64").put("os", "linux")
                .put("config", new JsonObject().put("Cmd", new JsonArray().add("sh"))
                        .put("Labels", new JsonObject().put("team", "berth")))
                .put("rootfs", new JsonObject().put("type", "layers")
                        .put("diff_ids", new JsonArray().add("sha256:" + "d".repeat(64)))));
    }

    @BeforeEach
    void start() throws Exception {
        docker = new DockerHarness(folder);
        docker.engine(BusAddresses.ENGINE_IMAGES, r -> new JsonObject().put("images", new JsonArray().add(busybox())
                .add(new JsonObject().put("manifestDigest", "sha256:" + "b".repeat(64)).put("id", OTHER_ID)
                        .put("tags", new JsonArray()).put("size", 5))));
        docker.engine(BusAddresses.ENGINE_IMAGE_INSPECT, r -> r.getString("reference").equals(MANIFEST) ? inspected()
                : new DockerHarness.Failure(404, "no such image"));
    }

    @AfterEach
    void stop() throws Exception {
        docker.close();
    }

    @Test
    void listShowsFamiliarNamesDigestsAndCreationTime() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.GET, "/v1.50/images/json");
        assertEquals(200, answer.status(), answer.body());
        JsonObject first = answer.array().getJsonObject(0);
        assertEquals(ID, first.getString("Id"));
        assertEquals(new JsonArray().add("busybox:latest").add("127.0.0.1:5000/busybox:1"), first.getJsonArray("RepoTags"));
        assertEquals(new JsonArray().add("busybox@" + MANIFEST).add("127.0.0.1:5000/busybox@" + MANIFEST),
                first.getJsonArray("RepoDigests"));
        assertEquals(1704164645L, first.getLong("Created"));
        assertEquals(1234L, first.getLong("Size"));
        assertEquals("berth", first.getJsonObject("Labels").getString("team"));
        assertEquals(2, answer.array().size());

        answer = docker.call(HttpMethod.GET, "/v1.50/images/json?filters=" + encode("{\"reference\":{\"busy*\":true}}"));
        assertEquals(1, answer.array().size(), answer.body());
        answer = docker.call(HttpMethod.GET, "/v1.50/images/json?filters=" + encode("{\"dangling\":[\"true\"]}"));
        assertEquals(OTHER_ID, answer.array().getJsonObject(0).getString("Id"), answer.body());
        answer = docker.call(HttpMethod.GET, "/v1.50/images/json?filters=" + encode("{\"label\":[\"team=berth\"]}"));
        assertEquals(1, answer.array().size(), answer.body());
    }

    @Test
    void inspectByNameIdAndPrefix() throws Exception {
        for (String name : List.of("busybox", "busybox:latest", "docker.io/library/busybox", "127.0.0.1:5000/busybox:1",
                ID, "cccccccccccc", "busybox@" + MANIFEST)) {
            DockerHarness.Answer answer = docker.call(HttpMethod.GET, "/v1.50/images/" + name + "/json");
            assertEquals(200, answer.status(), name + ": " + answer.body());
            JsonObject image = answer.json();
            assertEquals(ID, image.getString("Id"), name);
            assertEquals("2024-01-02T03:04:05Z", image.getString("Created"));
            assertEquals(new JsonArray().add("sh"), image.getJsonObject("Config").getJsonArray("Cmd"));
            assertEquals("layers", image.getJsonObject("RootFS").getString("Type"));
            assertEquals("amd64", image.getString("Architecture"));
        }
        assertEquals(List.of(MANIFEST), docker.requests(BusAddresses.ENGINE_IMAGE_INSPECT).stream()
                .map(r -> r.getString("reference")).distinct().toList());
    }

    @Test
    void unknownImagesAre404WithDockersWords() throws Exception {
        for (String name : List.of("nope", "busybox:2", "deadbeef", "127.0.0.1:5000/x")) {
            DockerHarness.Answer answer = docker.call(HttpMethod.GET, "/v1.50/images/" + name + "/json");
            assertEquals(404, answer.status(), name);
            assertEquals("No such image: " + name, answer.message());
        }
        DockerHarness.Answer answer = docker.call(HttpMethod.DELETE, "/v1.50/images/nope");
        assertEquals(404, answer.status());
    }

    @Test
    void findRefusesAnAmbiguousPrefix() {
        JsonArray images = new JsonArray().add(busybox()).add(new JsonObject().put("id", "sha256:" + "c".repeat(63) + "d")
                .put("manifestDigest", "sha256:" + "e".repeat(64)).put("tags", new JsonArray()));
        DockerException e = assertThrows(DockerException.class, () -> ImageApi.find(images, "ccc"));
        assertEquals(409, e.status());
        assertEquals(ID, ImageApi.find(images, "c".repeat(64)).image().getString("id"));
    }

    @Test
    void tagAndRemoveTranslateAndKeepTheEnginesStatus() throws Exception {
        docker.engine(BusAddresses.ENGINE_IMAGE_TAG, r -> r.getString("target").endsWith(":taken")
                ? new DockerHarness.Failure(409, "tag: conflict") : new JsonObject());
        docker.engine(BusAddresses.ENGINE_IMAGE_REMOVE, r -> new JsonObject()
                .put("untagged", new JsonArray().add("docker.io/library/busybox:latest")).put("removed", MANIFEST));

        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/v1.50/images/busybox/tag?repo=mine/box&tag=v2");
        assertEquals(201, answer.status(), answer.body());
        assertEquals(new JsonObject().put("source", "docker.io/library/busybox:latest")
                .put("target", "docker.io/mine/box:v2"), docker.requests(BusAddresses.ENGINE_IMAGE_TAG).get(0));
        answer = docker.call(HttpMethod.POST, "/v1.50/images/busybox/tag?repo=mine/box&tag=taken");
        assertEquals(409, answer.status());
        assertEquals("tag: conflict", answer.message());

        answer = docker.call(HttpMethod.DELETE, "/v1.50/images/busybox?force=1");
        assertEquals(200, answer.status(), answer.body());
        assertEquals(new JsonArray().add(new JsonObject().put("Untagged", "busybox:latest"))
                .add(new JsonObject().put("Deleted", ID)), answer.array());
        assertEquals(new JsonObject().put("reference", "docker.io/library/busybox:latest").put("force", true),
                docker.requests(BusAddresses.ENGINE_IMAGE_REMOVE).get(0));
    }

    @Test
    void pullStreamsDockersProgressMessages() throws Exception {
        docker.engine(BusAddresses.ENGINE_PULL, order -> {
            String progress = order.getString("progress");
            for (JsonObject update : List.of(
                    update("abcdefabcdef", "downloading", 0, 100), update("abcdefabcdef", "downloading", 100, 100),
                    update("abcdefabcdef", "verified", 100, 100), update("abcdefabcdef", "expanding", 0, 100),
                    update("abcdefabcdef", "expanded", 100, 100))) {
                docker.vertx.eventBus().publish(progress, update.encode());
            }
            return new JsonObject().put("reference", order.getString("reference")).put("manifestDigest", MANIFEST)
                    .put("bytesFetched", 100);
        });
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/v1.50/images/create?fromImage=busybox&tag=1.36");
        assertEquals(200, answer.status(), answer.body());
        List<String> statuses = answer.body().lines().map(l -> new JsonObject(l).getString("status")).toList();
        assertEquals(List.of("Pulling from library/busybox", "Pulling fs layer", "Downloading", "Downloading",
                "Verifying Checksum", "Download complete", "Extracting", "Pull complete", "Digest: " + MANIFEST,
                "Status: Downloaded newer image for busybox:1.36"), statuses);
        assertEquals("docker.io/library/busybox:1.36",
                docker.requests(BusAddresses.ENGINE_PULL).get(0).getString("reference"));
    }

    @Test
    void aPullRefusedBeforeAnyProgressKeepsItsStatus() throws Exception {
        docker.engine(BusAddresses.ENGINE_PULL, order -> new DockerHarness.Failure(404,
                "pull 127.0.0.1:5000/none:latest: manifest unknown"));
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/v1.50/images/create?fromImage=127.0.0.1:5000/none&tag=latest");
        assertEquals(404, answer.status(), answer.body());
        assertEquals("pull 127.0.0.1:5000/none:latest: manifest unknown", answer.message());
    }

    @Test
    void aFailureAfterProgressIsAStreamError() throws Exception {
        docker.engine(BusAddresses.ENGINE_PULL, order -> {
            docker.vertx.eventBus().publish(order.getString("progress"),
                    update("abcdefabcdef", "downloading", 0, 100).encode());
            return new DockerHarness.Failure(503, "pull: connection reset");
        });
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/v1.50/images/create?fromImage=busybox&tag=latest");
        assertEquals(200, answer.status(), answer.body());
        List<String> lines = answer.body().lines().toList();
        assertEquals("pull: connection reset", new JsonObject(lines.get(lines.size() - 1)).getString("error"));
    }

    @Test
    void anEngineThatIsNotThereIs503() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.GET, "/v1.50/info");
        assertEquals(503, answer.status(), answer.body());
        assertTrue(answer.message().startsWith("the Berth engine did not answer"), answer.message());
    }

    @Test
    void pullReferenceFollowsDockersRules() {
        assertEquals("docker.io/library/busybox:1", ImageApi.pullReference("busybox", "1").toString());
        assertEquals("docker.io/library/busybox:2", ImageApi.pullReference("busybox:1", "2").toString());
        assertEquals("docker.io/library/busybox:1", ImageApi.pullReference("busybox:1", "").toString());
        assertEquals("docker.io/library/busybox@" + "sha256:" + "a".repeat(64),
                ImageApi.pullReference("busybox", "sha256:" + "a".repeat(64)).toString());
        assertEquals(501, assertThrows(DockerException.class, () -> ImageApi.pullReference("busybox", null))
                .status());
    }

    static JsonObject update(String id, String status, long current, long total) {
        return new JsonObject().put("id", id).put("status", status).put("current", current).put("total", total);
    }

    static String encode(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
    }
}
