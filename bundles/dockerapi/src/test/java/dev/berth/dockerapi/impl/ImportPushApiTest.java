package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docker import and docker push against a real {@link DockerServer} and a stand-in engine. */
class ImportPushApiTest {
    private static final String IMAGE_ID = "sha256:" + "c".repeat(64);
    private static final String MANIFEST = "sha256:" + "a".repeat(64);

    @TempDir
    Path folder;

    private DockerHarness docker;
    /** What the stand-in import found in the file it was given, and the file's mode. */
    private volatile byte[] imported;
    private volatile String importedMode;

    @BeforeEach
    void start() throws Exception {
        docker = new DockerHarness(folder);
        docker.engine(BusAddresses.ENGINE_IMPORT, this::importTar);
        docker.engine(BusAddresses.ENGINE_PUSH, this::push);
    }

    @AfterEach
    void stop() throws Exception {
        docker.close();
    }

    private Object importTar(JsonObject order) {
        try {
            Path file = Path.of(order.getString("file"));
            imported = Files.readAllBytes(file);
            importedMode = PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        } catch (IOException e) {
            return new DockerHarness.Failure(404, "import: " + e);
        }
        if ("docker.io/library/broken:latest".equals(order.getString("reference"))) {
            return new DockerHarness.Failure(400, "import: the file is not a tar");
        }
        return new JsonObject().put("manifestDigest", MANIFEST).put("id", IMAGE_ID)
                .put("reference", order.getString("reference"));
    }

    private Object push(JsonObject order) {
        String reference = order.getString("reference");
        if (reference.endsWith(":nope")) {
            return new DockerHarness.Failure(404, "push: no such image: " + reference);
        }
        String progress = order.getString("progress");
        for (JsonObject update : List.of(
                ImageApiTest.update("abcdefabcdef", "uploading", 0, 100),
                ImageApiTest.update("abcdefabcdef", "uploading", 100, 100),
                ImageApiTest.update("abcdefabcdef", "uploaded", 100, 100),
                ImageApiTest.update("0123456789ab", "exists", 0, 50))) {
            docker.vertx.eventBus().publish(progress, update.encode());
        }
        if (reference.endsWith(":reset")) {
            return new DockerHarness.Failure(503, "push " + reference + ": upload blob: connection reset");
        }
        return new JsonObject().put("target", reference).put("manifestDigest", MANIFEST).put("uploaded", 1)
                .put("existing", 1).put("mounted", 0).put("bytesSent", 100).put("size", 1234);
    }

    // ---- import ----------------------------------------------------------------------------------------

    @Test
    void importStreamsTheBodyToAPrivateFileAndAnswersTheImageId() throws Exception {
        byte[] tar = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(tar);
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/v1.50/images/create?fromSrc=-&repo=app%3Av1"
                + "&message=from+a+test&changes=ENV+A%3Db&changes=CMD+%5B%22sh%22%5D&platform=linux%2Farm64",
                Buffer.buffer(tar));
        assertEquals(200, answer.status(), answer.body());
        assertEquals(List.of(new JsonObject().put("status", IMAGE_ID)), lines(answer));
        assertArrayEquals(tar, imported, "the engine read the body as sent");
        assertEquals("rw-------", importedMode);
        JsonObject order = docker.requests(BusAddresses.ENGINE_IMPORT).get(0);
        assertTrue(order.getString("file").startsWith(folder.resolve("scratch").toString()), order.encode());
        assertEquals(new JsonObject().put("source", "-").put("reference", "docker.io/library/app:v1")
                .put("changes", new JsonArray().add("ENV A=b").add("CMD [\"sh\"]")).put("message", "from a test")
                .put("platform", "linux/arm64").put("file", order.getString("file")), order);
        docker.assertScratchEmptied();
    }

    @Test
    void importWithoutNameOrMessageIsDockersDefaults() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/images/create?fromSrc=-", Buffer.buffer("x"));
        assertEquals(200, answer.status(), answer.body());
        JsonObject order = docker.requests(BusAddresses.ENGINE_IMPORT).get(0);
        assertEquals(null, order.getString("reference"));
        assertEquals("Imported from -", order.getString("message"));
        assertEquals(new JsonArray(), order.getJsonArray("changes"));
        assertTrue(!order.containsKey("platform"), order.encode());
    }

    @Test
    void aRefusedImportKeepsItsStatusAndLeavesNoFile() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/images/create?fromSrc=-&repo=broken",
                Buffer.buffer("not a tar"));
        assertEquals(400, answer.status(), answer.body());
        assertEquals("import: the file is not a tar", answer.message());
        docker.assertScratchEmptied();
    }

    @Test
    void aRequestWithFromImageIsStillAPull() throws Exception {
        docker.engine(BusAddresses.ENGINE_PULL, order -> new JsonObject().put("manifestDigest", MANIFEST)
                .put("bytesFetched", 0));
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/images/create?fromImage=busybox&tag=1&fromSrc=-");
        assertEquals(200, answer.status(), answer.body());
        assertEquals(1, docker.requests(BusAddresses.ENGINE_PULL).size());
        assertEquals(0, docker.requests(BusAddresses.ENGINE_IMPORT).size());
    }

    // ---- push ------------------------------------------------------------------------------------------

    @Test
    void pushStreamsDockersMessagesAndIgnoresTheAuthHeader() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/v1.50/images/127.0.0.1:5000/app/push?tag=v1",
                null, Map.of("X-Registry-Auth", "eyJ1c2VybmFtZSI6InNlY3JldCJ9"));
        assertEquals(200, answer.status(), answer.body());
        List<JsonObject> lines = lines(answer);
        assertEquals(List.of("The push refers to repository [127.0.0.1:5000/app]", "Preparing abcdefabcdef",
                "Pushing abcdefabcdef", "Pushing abcdefabcdef", "Pushed abcdefabcdef", "Preparing 0123456789ab",
                "Layer already exists 0123456789ab", "v1: digest: " + MANIFEST + " size: 1234"),
                lines.subList(0, lines.size() - 1).stream().map(l -> (l.getString("status") + " "
                        + l.getString("id", "")).strip()).toList());
        assertEquals(new JsonObject().put("current", 100).put("total", 100),
                lines.get(3).getJsonObject("progressDetail"));
        assertEquals(new JsonObject().put("progressDetail", new JsonObject()).put("aux", new JsonObject()
                .put("Tag", "v1").put("Digest", MANIFEST).put("Size", 1234)), lines.get(lines.size() - 1));
        JsonObject order = docker.requests(BusAddresses.ENGINE_PUSH).get(0);
        assertEquals("127.0.0.1:5000/app:v1", order.getString("reference"));
        assertEquals(new JsonArray(), order.getJsonArray("insecure"));
        assertTrue(order.getString("progress").startsWith(BusAddresses.PROGRESS_PREFIX), order.encode());
        assertTrue(!order.encode().contains("eyJ1"), "the auth header went nowhere: " + order.encode());
    }

    @Test
    void aHubImageIsNamedInFull() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/images/busybox/push?tag=latest");
        assertEquals("The push refers to repository [docker.io/library/busybox]", lines(answer).get(0)
                .getString("status"));
        assertEquals("docker.io/library/busybox:latest",
                docker.requests(BusAddresses.ENGINE_PUSH).get(0).getString("reference"));
    }

    @Test
    void aMissingImageIsDockersInStreamError() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/images/127.0.0.1:5000/app/push?tag=nope");
        assertEquals(200, answer.status(), answer.body());
        List<JsonObject> lines = lines(answer);
        assertEquals(2, lines.size(), answer.body());
        String message = "An image does not exist locally with the tag: 127.0.0.1:5000/app";
        assertEquals(ProgressStream.error(message), lines.get(1));
        assertEquals(message, lines.get(1).getJsonObject("errorDetail").getString("message"));
    }

    @Test
    void aFailureAfterProgressEndsTheStreamWithTheEnginesMessage() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/images/127.0.0.1:5000/app/push?tag=reset");
        assertEquals(200, answer.status(), answer.body());
        List<JsonObject> lines = lines(answer);
        assertEquals("push 127.0.0.1:5000/app:reset: upload blob: connection reset",
                lines.get(lines.size() - 1).getString("error"));
        assertTrue(lines.stream().noneMatch(l -> l.containsKey("aux")), answer.body());
    }

    @Test
    void aTagInTheNameIsUsedWhenNoTagParameterIsGiven() {
        assertEquals("127.0.0.1:5000/app:v2", PushApi.target("127.0.0.1:5000/app:v2", "").toString());
        assertEquals("127.0.0.1:5000/app:v3", PushApi.target("127.0.0.1:5000/app:v2", "v3").toString());
        assertEquals(501, org.junit.jupiter.api.Assertions.assertThrows(DockerException.class,
                () -> PushApi.target("127.0.0.1:5000/app", null)).status());
    }

    private static List<JsonObject> lines(DockerHarness.Answer answer) {
        return answer.body().lines().filter(l -> !l.isBlank()).map(JsonObject::new).toList();
    }
}
