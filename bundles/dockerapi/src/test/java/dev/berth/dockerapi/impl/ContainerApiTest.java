package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container calls against a real {@link DockerServer} and a stand-in engine on the bus. */
class ContainerApiTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String CONTAINERS = BusAddresses.ENGINE_CONTAINERS;

    @TempDir
    Path folder;

    private DockerHarness docker;
    /** What the stand-in engine answers to {@code wait}; completed by the test. */
    private final CompletableFuture<JsonObject> exit = new CompletableFuture<>();
    private String status = "running";

    @BeforeEach
    void start() throws Exception {
        docker = new DockerHarness(folder);
        docker.engine(CONTAINERS, this::engine);
    }

    @AfterEach
    void stop() throws Exception {
        docker.close();
    }

    private Object engine(JsonObject order) {
        String id = order.getString("id", "");
        if (!id.isEmpty() && !id.equals("web") && !id.equals(ID)) {
            return new DockerHarness.Failure(404, "no such container: " + id);
        }
        return switch (order.getString("op")) {
            case "create" -> order.getString("image").equals("missing:latest")
                    ? new DockerHarness.Failure(404, "no such image: missing:latest (pull it first: berth pull missing)")
                    : new JsonObject().put("id", ID).put("name", "web").put("warnings", new JsonArray());
            case "inspect" -> summary(status).put("autoRemove", false);
            case "list" -> new JsonObject().put("containers", new JsonArray().add(summary("running"))
                    .add(summary("exited").put("id", ID.replace('0', 'f')).put("name", "old")));
            case "wait" -> null; // no exit in these tests: the wait stays open
            case "stop", "kill", "start", "remove" -> new JsonObject().put("id", ID);
            default -> new DockerHarness.Failure(400, "unexpected op " + order.getString("op"));
        };
    }

    private static JsonObject summary(String status) {
        return new JsonObject().put("id", ID).put("name", "web").put("image", "busybox").put("imageDigest", "sha256:ab")
                .put("command", new JsonArray().add("sleep").add("30")).put("created", "2026-11-29T11:00:00Z")
                .put("status", status).put("exitCode", "exited".equals(status) ? 3 : null)
                .put("startedAt", "2026-11-29T11:00:01Z").put("finishedAt", "exited".equals(status)
                        ? "2026-11-29T11:00:02Z" : null).put("pid", 77).put("bundle", "/nonexistent");
    }

    @Test
    void createAnswers201WithTheIdAndSendsTheMappedOrder() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/v1.50/containers/create?name=web", Buffer.buffer(
                new JsonObject().put("Image", "busybox").put("Cmd", new JsonArray().add("true"))
                        .put("HostConfig", new JsonObject().put("Memory", 67108864)).encode()));
        assertEquals(201, answer.status(), answer.body());
        assertEquals(new JsonObject().put("Id", ID).put("Warnings", new JsonArray()), answer.json());
        JsonObject order = docker.requests(CONTAINERS).get(0);
        assertEquals("create", order.getString("op"));
        assertEquals("web", order.getString("name"));
        assertEquals(new JsonArray().add("67108864"),
                order.getJsonObject("options").getJsonObject("isolation").getJsonArray("memory"));
    }

    @Test
    void aMissingImageIsDockersNoSuchImageSoTheClientPulls() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/containers/create", Buffer.buffer(
                new JsonObject().put("Image", "missing:latest").encode()));
        assertEquals(404, answer.status(), answer.body());
        assertEquals("No such image: missing:latest", answer.message());
    }

    @Test
    void anOptionBerthCannotHonourIsA400AndNothingReachesTheEngine() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.POST, "/containers/create", Buffer.buffer(
                new JsonObject().put("Image", "busybox").put("HostConfig", new JsonObject().put("ShmSize", 1 << 30))
                        .encode()));
        assertEquals(400, answer.status(), answer.body());
        assertTrue(answer.message().contains("HostConfig.ShmSize"), answer.message());
        assertEquals(0, docker.requests(CONTAINERS).size());
        DockerHarness.Answer name = docker.call(HttpMethod.POST, "/containers/create?name=..%2Fetc", Buffer.buffer(
                new JsonObject().put("Image", "busybox").encode()));
        assertEquals(400, name.status(), name.body());
    }

    @Test
    void unknownContainersAreDockersNoSuchContainer() throws Exception {
        DockerHarness.Answer answer = docker.call(HttpMethod.GET, "/containers/nope/json");
        assertEquals(404, answer.status());
        assertEquals("No such container: nope", answer.message());
    }

    @Test
    void stopAnswers204AndPassesTheTimeoutMinusOneMeaningTheLongestWait() throws Exception {
        assertEquals(204, docker.call(HttpMethod.POST, "/containers/web/stop?t=3").status());
        assertEquals(3, docker.requests(CONTAINERS).get(0).getInteger("timeout"));
        assertEquals(204, docker.call(HttpMethod.POST, "/containers/web/stop?t=-1").status());
        assertEquals(86_400, docker.requests(CONTAINERS).get(1).getInteger("timeout"));
        assertEquals(400, docker.call(HttpMethod.POST, "/containers/web/stop?signal=HUP").status());
    }

    @Test
    void listFiltersAndShapes() throws Exception {
        DockerHarness.Answer running = docker.call(HttpMethod.GET, "/containers/json");
        assertEquals(200, running.status(), running.body());
        assertEquals(1, running.array().size());
        assertEquals(new JsonArray().add("/web"), running.array().getJsonObject(0).getJsonArray("Names"));
        DockerHarness.Answer exited = docker.call(HttpMethod.GET,
                "/containers/json?filters=%7B%22status%22%3A%5B%22exited%22%5D%7D");
        assertEquals(1, exited.array().size(), exited.body());
        assertEquals("/old", exited.array().getJsonObject(0).getJsonArray("Names").getString(0));
        assertEquals(400, docker.call(HttpMethod.GET, "/containers/json?filters=%7B%22volume%22%3A%5B%22x%22%5D%7D")
                .status());
    }

    @Test
    void callsBerthLacksAre501NamingThem() throws Exception {
        for (String call : new String[] {"/containers/web/pause", "/containers/web/rename?name=x",
            "/containers/web/update", "/containers/prune"}) {
            DockerHarness.Answer answer = docker.call(HttpMethod.POST, call);
            assertEquals(501, answer.status(), call);
            assertTrue(answer.message().startsWith("Berth does not implement POST "), answer.message());
        }
        DockerHarness.Answer copy = docker.call(HttpMethod.PUT, "/containers/web/archive?path=/tmp", Buffer.buffer("x"));
        assertEquals(501, copy.status(), copy.body());
        assertEquals("Berth does not implement PUT /containers/web/archive", copy.message());
    }

    @Test
    void waitSendsItsHeaderBeforeTheExitThenTheContainersCode() throws Exception {
        docker.close();
        docker = new DockerHarness(folder.resolve("again"));
        docker.vertx.eventBus().<String>consumer(CONTAINERS, message -> {
            JsonObject order = new JsonObject(message.body());
            switch (order.getString("op")) {
                case "inspect" -> message.reply(summary("running").encode());
                case "wait" -> exit.thenAccept(answer -> message.reply(answer.encode()));
                default -> message.fail(400, "unexpected");
            }
        }).completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(folder.resolve("again").resolve("docker.sock")));
            channel.write(StandardCharsets.US_ASCII.encode("POST /v1.50/containers/web/wait?condition=next-exit HTTP/1.1\r\n"
                    + "Host: docker\r\nContent-Length: 0\r\n\r\n"));
            String head = read(channel, "\r\n\r\n");
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(!exit.isDone(), "the header came before the container exited");
            exit.complete(new JsonObject().put("id", ID).put("exitCode", 137).put("oomKilled", true));
            String body = read(channel, "}\n");
            assertTrue(body.contains("{\"StatusCode\":137,\"Error\":null}"), body);
        }
    }

    @Test
    void nextExitOfAnExitedContainerWaitsForItsNextExitEvent() throws Exception {
        status = "exited";
        CompletableFuture<DockerHarness.Answer> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return docker.call(HttpMethod.POST, "/containers/web/wait?condition=next-exit");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        assertTrue(!answer.isDone(), "an earlier exit does not answer next-exit");
        docker.vertx.eventBus().publish(BusAddresses.eventAddress("container.exited"), new JsonObject()
                .put("type", "container.exited").put("subject", ID)
                .put("payload", new JsonObject().put("exitCode", 4)).encode());
        DockerHarness.Answer waited = answer.get(10, TimeUnit.SECONDS);
        assertEquals(200, waited.status());
        assertEquals(4, waited.json().getInteger("StatusCode"));
        DockerHarness.Answer notRunning = docker.call(HttpMethod.POST, "/containers/web/wait");
        assertEquals(3, notRunning.json().getInteger("StatusCode"), "not-running: the last exit at once");
        assertEquals(400, docker.call(HttpMethod.POST, "/containers/web/wait?condition=sometime").status());
    }

    private static String read(SocketChannel channel, String until) throws IOException {
        StringBuilder text = new StringBuilder();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!text.toString().contains(until) && System.nanoTime() < deadline) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                break;
            }
            text.append(new String(buffer.array(), 0, n, StandardCharsets.UTF_8));
        }
        return text.toString();
    }
}
