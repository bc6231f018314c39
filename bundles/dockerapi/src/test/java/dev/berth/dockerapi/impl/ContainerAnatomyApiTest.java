package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** docker diff, commit and export against a real {@link DockerServer} and a stand-in engine. */
class ContainerAnatomyApiTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String IMAGE_ID = "sha256:" + "c".repeat(64);
    /** What the stand-in engine writes for an export. */
    private static final String TAR = "pretend this is a tar\n".repeat(5000);

    @TempDir
    Path folder;

    private DockerHarness docker;
    /** The folder the last export was written into, and its mode then. */
    private volatile Path exportedInto;
    private volatile String exportFolderMode;

    @BeforeEach
    void start() throws Exception {
        docker = new DockerHarness(folder);
        docker.engine(BusAddresses.ENGINE_CONTAINERS, this::engine);
    }

    @AfterEach
    void stop() throws Exception {
        docker.close();
    }

    private Object engine(JsonObject order) {
        String id = order.getString("id", "");
        if (!id.equals("web") && !id.equals(ID) && !id.equals("pristine")) {
            return new DockerHarness.Failure(404, "no such container: " + id);
        }
        return switch (order.getString("op")) {
            case "changes" -> new JsonObject().put("id", ID).put("changes", id.equals("pristine") ? new JsonArray()
                    : new JsonArray().add(change("/etc", "C")).add(change("/etc/motd", "A")).add(change("/bin/vi", "D")));
            case "commit" -> String.valueOf(order.getString("reference")).endsWith(":taken")
                    ? new DockerHarness.Failure(409, "commit web: conflict")
                    : new JsonObject().put("manifestDigest", "sha256:" + "a".repeat(64)).put("id", IMAGE_ID)
                            .put("reference", order.getString("reference"));
            case "export" -> export(order);
            default -> new DockerHarness.Failure(400, "unexpected op " + order.getString("op"));
        };
    }

    private Object export(JsonObject order) {
        Path target = Path.of(order.getString("target"));
        if (Files.exists(target)) {
            return new DockerHarness.Failure(409, "export: " + target + " exists");
        }
        try {
            exportedInto = target.getParent();
            exportFolderMode = PosixFilePermissions.toString(Files.getPosixFilePermissions(target.getParent()));
            if (order.getString("id").equals(ID)) {
                return new DockerHarness.Failure(503, "export web: the overlay mount stage cannot export");
            }
            Files.writeString(target, TAR);
            return new JsonObject().put("id", ID).put("target", target.toString()).put("bytes", TAR.length())
                    .put("entries", 3);
        } catch (IOException e) {
            return new DockerHarness.Failure(500, e.toString());
        }
    }

    private static JsonObject change(String path, String kind) {
        return new JsonObject().put("path", path).put("kind", kind);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({"C, 0", "A, 1", "D, 2"})
    void kindsAreDockersNumbers(String letter, int kind) {
        assertEquals(kind, ContainerAnatomyApi.kind(letter));
    }

    @Test
    void anUnknownKindIsTheEnginesFault() {
        for (String letter : new String[] {"X", "", null, "a"}) {
            assertEquals(500, assertThrows(DockerException.class, () -> ContainerAnatomyApi.kind(letter)).status());
        }
    }

    @Test
    void diffAnswersDockersChangesAndAnEmptyArrayForNone() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.GET, "/v1.50/containers/web/changes");
        assertEquals(200, answer.status(), answer.body());
        assertEquals(new JsonArray().add(new JsonObject().put("Path", "/etc").put("Kind", 0))
                .add(new JsonObject().put("Path", "/etc/motd").put("Kind", 1))
                .add(new JsonObject().put("Path", "/bin/vi").put("Kind", 2)), answer.array());
        assertEquals(new JsonObject().put("op", "changes").put("id", "web"),
                docker.requests(BusAddresses.ENGINE_CONTAINERS).get(0));

        DockerHarness.Answer none = docker.call(HttpMethod.GET, "/v1.50/containers/pristine/changes");
        assertEquals(200, none.status(), none.body());
        assertEquals(new JsonArray(), none.array());

        DockerHarness.Answer missing = docker.call(HttpMethod.GET, "/v1.50/containers/nope/changes");
        assertEquals(404, missing.status());
        assertEquals("No such container: nope", missing.message());
    }

    @Test
    void commitAnswers201WithTheImageIdAndSendsTheOrder() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/v1.50/commit?container=web&repo=127.0.0.1%3A5000"
                + "%2Fapp&tag=v1&comment=c&author=a&changes=CMD+%5B%22sh%22%5D&changes=ENV+A%3Db%0AUSER+nobody",
                Buffer.buffer("null"));
        assertEquals(201, answer.status(), answer.body());
        assertEquals(new JsonObject().put("Id", IMAGE_ID), answer.json());
        assertEquals(new JsonObject().put("op", "commit").put("id", "web").put("reference", "127.0.0.1:5000/app:v1")
                .put("comment", "c").put("author", "a").put("pause", true)
                .put("changes", new JsonArray().add("CMD [\"sh\"]").add("ENV A=b").add("USER nobody")),
                docker.requests(BusAddresses.ENGINE_CONTAINERS).get(0));
    }

    @Test
    void commitAppliesTheBodysSettingsBeforeTheChanges() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/commit?container=web&pause=0&changes=USER+b",
                Buffer.buffer(new JsonObject().put("User", "a").put("Hostname", "ignored").encode()));
        assertEquals(201, answer.status(), answer.body());
        JsonObject order = docker.requests(BusAddresses.ENGINE_CONTAINERS).get(0);
        assertEquals(new JsonArray().add("USER a").add("USER b"), order.getJsonArray("changes"));
        assertFalse(order.getBoolean("pause"));
    }

    @Test
    void commitFailuresKeepTheirStatusAndNoBadOrderReachesTheEngine() throws Exception {
        DockerHarness.Answer missing = docker.call(HttpMethod.POST, "/commit?container=nope");
        assertEquals(404, missing.status(), missing.body());
        assertEquals("No such container: nope", missing.message());
        DockerHarness.Answer conflict = docker.call(HttpMethod.POST, "/commit?container=web&repo=app&tag=taken");
        assertEquals(409, conflict.status(), conflict.body());
        assertEquals("commit web: conflict", conflict.message());
        int asked = docker.requests(BusAddresses.ENGINE_CONTAINERS).size();

        DockerHarness.Answer health = docker.call(HttpMethod.POST, "/commit?container=web", Buffer.buffer(
                new JsonObject().put("Healthcheck", new JsonObject().put("Test", new JsonArray().add("NONE"))).encode()));
        assertEquals(400, health.status(), health.body());
        assertTrue(health.message().contains("Config.Healthcheck"), health.message());
        DockerHarness.Answer notJson = docker.call(HttpMethod.POST, "/commit?container=web", Buffer.buffer("[1]"));
        assertEquals(400, notJson.status(), notJson.body());
        assertEquals(asked, docker.requests(BusAddresses.ENGINE_CONTAINERS).size());
    }

    @Test
    void exportStreamsTheTarFromAPrivateFolderAndDeletesIt() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.GET, "/v1.50/containers/web/export");
        assertEquals(200, answer.status(), answer.body());
        assertEquals("application/x-tar", answer.headers().get("Content-Type"));
        assertEquals(TAR, answer.body());
        assertEquals("rwx------", exportFolderMode);
        assertTrue(exportedInto.startsWith(folder.resolve("scratch")), exportedInto.toString());
        docker.assertScratchEmptied();
    }

    @Test
    void anExportTheClientWalksAwayFromIsDeletedToo() throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(folder.resolve("docker.sock")));
            channel.write(StandardCharsets.US_ASCII.encode("GET /v1.50/containers/web/export HTTP/1.1\r\n"
                    + "Host: docker\r\n\r\n"));
            ByteBuffer head = ByteBuffer.allocate(12);
            channel.read(head); // the answer has begun; the client goes away before the tar has been read
            assertEquals("HTTP/1.1 200", new String(head.array(), 0, head.position(), StandardCharsets.US_ASCII));
        }
        docker.assertScratchEmptied();
    }

    @Test
    void aFailedExportKeepsItsStatusAndLeavesNothingBehind() throws Exception {
        DockerHarness.Answer failed = docker.call(HttpMethod.GET, "/containers/" + ID + "/export");
        assertEquals(503, failed.status(), failed.body());
        assertEquals("export web: the overlay mount stage cannot export", failed.message());
        docker.assertScratchEmptied();
        DockerHarness.Answer missing = docker.call(HttpMethod.GET, "/containers/nope/export");
        assertEquals(404, missing.status(), missing.body());
        assertEquals("No such container: nope", missing.message());
        docker.assertScratchEmptied();
    }
}
