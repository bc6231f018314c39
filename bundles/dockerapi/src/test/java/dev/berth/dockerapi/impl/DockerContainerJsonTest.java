package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.container.AttachFrames;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Berth's container answers in Docker's shapes, and the monitor framing the attach bridge relies on. */
class DockerContainerJsonTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    private static JsonObject summary(String status) {
        return new JsonObject().put("id", ID).put("name", "web").put("image", "127.0.0.1:5000/busybox:latest")
                .put("imageDigest", "sha256:abc").put("command", new JsonArray().add("sleep").add("30"))
                .put("created", "2026-11-29T11:59:00Z").put("status", status).put("exitCode", "exited".equals(status) ? 3 : null)
                .put("oomKilled", false).put("startedAt", "2026-11-29T11:59:55Z")
                .put("finishedAt", "exited".equals(status) ? "2026-11-29T11:59:57Z" : null).put("pid", 4242)
                .put("runtime", "runc");
    }

    @Test
    void listEntryHasDockersShape() {
        JsonObject entry = DockerContainerJson.listEntry(summary("running"), NOW);
        assertEquals(ID, entry.getString("Id"));
        assertEquals(new JsonArray().add("/web"), entry.getJsonArray("Names"));
        assertEquals("sleep 30", entry.getString("Command"));
        assertEquals(Instant.parse("2026-11-29T11:59:00Z").getEpochSecond(), entry.getLong("Created"));
        assertEquals("running", entry.getString("State"));
        assertEquals("Up 5 seconds", entry.getString("Status"));
        assertEquals(new JsonArray(), entry.getJsonArray("Ports"));
        assertEquals(new JsonObject(), entry.getJsonObject("Labels"));
        assertEquals(new JsonArray(), entry.getJsonArray("Mounts"));
        assertEquals("bridge", entry.getJsonObject("HostConfig").getString("NetworkMode"));
    }

    @Test
    void listEntryShowsTheNetworkModeAndBindMountsOfItsOptions() {
        JsonObject options = new JsonObject()
                .put("isolation", new JsonObject().put("network", new JsonArray().add("none")))
                .put("volumes", new JsonArray().add(new JsonObject().put("source", "/srv").put("target", "/data")
                        .put("readOnly", true)));
        JsonObject entry = DockerContainerJson.listEntry(summary("running").put("options", options), NOW);
        assertEquals("none", entry.getJsonObject("HostConfig").getString("NetworkMode"));
        JsonObject mount = entry.getJsonArray("Mounts").getJsonObject(0);
        assertEquals("/srv", mount.getString("Source"));
        assertEquals("/data", mount.getString("Destination"));
        assertEquals("ro", mount.getString("Mode"));
        assertEquals(false, mount.getBoolean("RW"));
    }

    static Stream<Arguments> statuses() {
        return Stream.of(
                Arguments.of("running", "Up 5 seconds"),
                Arguments.of("exited", "Exited (3) 3 seconds ago"),
                Arguments.of("created", "Created"),
                Arguments.of("removed", "Removal In Progress"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statuses")
    void statusTextsAreDockers(String status, String text) {
        assertEquals(text, DockerContainerJson.statusText(summary(status), NOW));
    }

    static Stream<Arguments> durations() {
        return Stream.of(
                Arguments.of(Duration.ZERO, "Less than a second"),
                Arguments.of(Duration.ofSeconds(1), "1 second"),
                Arguments.of(Duration.ofSeconds(59), "59 seconds"),
                Arguments.of(Duration.ofSeconds(61), "About a minute"),
                Arguments.of(Duration.ofMinutes(5), "5 minutes"),
                Arguments.of(Duration.ofMinutes(61), "About an hour"),
                Arguments.of(Duration.ofHours(30), "30 hours"),
                Arguments.of(Duration.ofDays(3), "3 days"),
                Arguments.of(Duration.ofDays(20), "2 weeks"),
                Arguments.of(Duration.ofDays(90), "3 months"),
                Arguments.of(Duration.ofDays(800), "2 years"),
                Arguments.of(Duration.ofSeconds(-3), "Less than a second"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("durations")
    void humanDurationsAreDockers(Duration duration, String text) {
        assertEquals(text, DockerContainerJson.humanDuration(duration));
    }

    @Test
    void inspectCarriesStateLimitsAndTheSpecsEnvironment() {
        JsonObject c = summary("exited").put("oomKilled", true).put("exitCode", 137).put("autoRemove", false)
                .put("bundle", "/var/lib/berth/containers/" + ID).put("logPath", "/x/container.log")
                .put("snapshotter", "overlay").put("rootfs", "/m/merged")
                .put("options", new JsonObject().put("tty", true).put("stdin", true)
                        .put("volumes", new JsonArray().add(new JsonObject().put("source", "/srv").put("target", "/data")
                                .put("readOnly", true)))
                        .put("isolation", new JsonObject().put("memory", new JsonArray().add("64m"))
                                .put("memory-swap", new JsonArray().add("-1")).put("cpus", new JsonArray().add("0.5"))
                                .put("pids-limit", new JsonArray().add("32")).put("network", new JsonArray().add("none"))
                                .put("cap-add", new JsonArray().add("NET_ADMIN"))))
                .put("state", new JsonObject().put("startedAt", "2026-11-29T11:59:55Z")
                        .put("finishedAt", "2026-11-29T11:59:57Z"));
        JsonObject spec = new JsonObject().put("hostname", "abc")
                .put("process", new JsonObject().put("env", new JsonArray().add("PATH=/bin")).put("cwd", "/"));
        JsonObject inspect = DockerContainerJson.inspect(c, spec);
        JsonObject state = inspect.getJsonObject("State");
        assertEquals("exited", state.getString("Status"));
        assertFalse(state.getBoolean("Running"));
        assertTrue(state.getBoolean("OOMKilled"));
        assertEquals(137, state.getInteger("ExitCode"));
        assertEquals(0, state.getInteger("Pid"), "an exited container has no pid");
        assertEquals("2026-11-29T11:59:57Z", state.getString("FinishedAt"));
        assertEquals("sleep", inspect.getString("Path"));
        assertEquals(new JsonArray().add("30"), inspect.getJsonArray("Args"));
        assertEquals("/web", inspect.getString("Name"));
        JsonObject host = inspect.getJsonObject("HostConfig");
        assertEquals(64L << 20, host.getLong("Memory"));
        assertEquals(-1L, host.getLong("MemorySwap"));
        assertEquals(500_000_000L, host.getLong("NanoCpus"));
        assertEquals(32L, host.getLong("PidsLimit"));
        assertEquals("none", host.getString("NetworkMode"));
        assertEquals(new JsonArray().add("NET_ADMIN"), host.getJsonArray("CapAdd"));
        assertEquals(new JsonArray().add("/srv:/data:ro"), host.getJsonArray("Binds"));
        JsonObject mount = inspect.getJsonArray("Mounts").getJsonObject(0);
        assertEquals("/data", mount.getString("Destination"));
        assertFalse(mount.getBoolean("RW"));
        JsonObject config = inspect.getJsonObject("Config");
        assertEquals(new JsonArray().add("PATH=/bin"), config.getJsonArray("Env"));
        assertEquals("abc", config.getString("Hostname"));
        assertTrue(config.getBoolean("Tty"));
        assertTrue(config.getBoolean("OpenStdin"));
    }

    @Test
    void aRunningContainerShowsItsPidAndNeverFinishedShowsDockersZeroTime() {
        JsonObject inspect = DockerContainerJson.inspect(summary("running"), null);
        assertEquals(4242, inspect.getJsonObject("State").getInteger("Pid"));
        assertEquals(DockerContainerJson.ZERO_TIME, inspect.getJsonObject("State").getString("FinishedAt"));
        assertEquals(0L, inspect.getJsonObject("HostConfig").getLong("Memory"));
        assertEquals("bridge", inspect.getJsonObject("HostConfig").getString("NetworkMode"));
    }

    @Test
    void waitAnswersCarryTheExitCode() {
        assertEquals(new JsonObject().put("StatusCode", 137).putNull("Error"),
                DockerContainerJson.waitAnswer(new JsonObject().put("exitCode", 137).put("oomKilled", true)));
        JsonObject unknown = DockerContainerJson.waitAnswer(new JsonObject().put("exitCode", -1)
                .put("reason", "exit code unknown, engine was down"));
        assertEquals(-1, unknown.getInteger("StatusCode"));
        assertEquals("exit code unknown, engine was down", unknown.getJsonObject("Error").getString("Message"));
    }

    @Test
    void statsHaveWhatDockerStatsReads() {
        JsonObject sample = new JsonObject().put("id", ID).put("name", "web").put("memoryBytes", 1_000_000L)
                .put("memoryLimit", 0L).put("cpuNanos", 5_000_000L).put("pids", 3L).put("pidsLimit", 0L);
        JsonObject answer = new JsonObject().put("cpus", 2).put("hostMemory", 8L << 30);
        JsonObject first = DockerContainerJson.stats(sample, answer, 1_000_000_000L, NOW, null);
        JsonObject second = DockerContainerJson.stats(sample.copy().put("cpuNanos", 6_000_000L), answer, 2_000_000_000L,
                NOW.plusSeconds(1), first);
        assertEquals("/web", second.getString("name"));
        assertEquals(6_000_000L, second.getJsonObject("cpu_stats").getJsonObject("cpu_usage").getLong("total_usage"));
        assertEquals(5_000_000L, second.getJsonObject("precpu_stats").getJsonObject("cpu_usage").getLong("total_usage"));
        assertEquals(2, second.getJsonObject("cpu_stats").getInteger("online_cpus"));
        assertEquals(8L << 30, second.getJsonObject("memory_stats").getLong("limit"), "no limit: the host's memory");
        assertEquals(3L, second.getJsonObject("pids_stats").getLong("current"));
        assertNull(second.getJsonObject("pids_stats").getValue("limit"));
        assertEquals(first.getString("read"), second.getString("preread"));
    }

    @Test
    void systemCpuTimeIsSummedFromProcStat() {
        String stat = "cpu  100 0 50 1000 10 0 5 0 0 0\ncpu0 50 0 25 500 5 0 2 0 0 0\n";
        assertEquals((100 + 50 + 1000 + 10 + 5) * 10_000_000L, DockerContainerJson.systemCpuNanos(stat, 100));
    }

    @Test
    void sizesOfBothSpellingsAreBytes() {
        assertEquals(64L << 20, DockerContainerJson.size("64m"));
        assertEquals(67108864L, DockerContainerJson.size("67108864"));
        assertEquals(3L << 29, DockerContainerJson.size("1.5g"));
        assertEquals(0L, DockerContainerJson.size("lots"));
    }

    @Test
    void monitorFramesAreCutWhereverTheSocketSplitsThem() {
        Buffer stream = Buffer.buffer()
                .appendBuffer(MonitorFrames.frame(AttachFrames.STDOUT, Buffer.buffer("hello\n")))
                .appendBuffer(MonitorFrames.frame(AttachFrames.STDERR, Buffer.buffer("oops\n")))
                .appendBuffer(MonitorFrames.frame(AttachFrames.EXIT, Buffer.buffer("{\"exitCode\":3}")));
        for (int split = 0; split <= stream.length(); split++) {
            List<String> seen = new ArrayList<>();
            MonitorFrames frames = new MonitorFrames((type, frame) -> seen.add(type + ":"
                    + MonitorFrames.payload(frame).toString()));
            frames.feed(stream.getBuffer(0, split));
            frames.feed(stream.getBuffer(split, stream.length()));
            assertEquals(List.of("1:hello\n", "2:oops\n", "5:{\"exitCode\":3}"), seen, "split at " + split);
            assertFalse(frames.partial());
        }
    }

    @Test
    void anOutputFrameIsAlreadyDockersMultiplexedFrame() {
        Buffer frame = MonitorFrames.frame(AttachFrames.STDERR, Buffer.buffer("x"));
        assertEquals(Buffer.buffer(new byte[] {2, 0, 0, 0, 0, 0, 0, 1, 'x'}), frame);
        assertEquals(Buffer.buffer(new byte[] {4, 0, 0, 0, 0, 0, 0, 4, 0, 24, 0, 80}), MonitorFrames.resize(24, 80));
    }

    @Test
    void oversizedOrMalformedFramesAreRefused() {
        MonitorFrames frames = new MonitorFrames((type, frame) -> { });
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> frames.feed(Buffer.buffer(new byte[] {1, 0, 0, 0, (byte) 0x7f, 0, 0, 0})));
        MonitorFrames other = new MonitorFrames((type, frame) -> { });
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> other.feed(Buffer.buffer(new byte[] {1, 9, 0, 0, 0, 0, 0, 0})));
    }

    @Test
    void engineMessagesReadAsDockers() {
        assertEquals("No such container: web", ContainerApi.dockerMessage(404, "no such container: web", "web"));
        assertEquals("No such image: busybox:latest", ContainerApi.dockerMessage(404,
                "no such image: busybox:latest (pull it first: berth pull busybox:latest)", "x"));
        assertEquals("create: runtime crun cannot run", ContainerApi.dockerMessage(503, "create: runtime crun cannot run",
                "x"));
    }

    @Test
    void listFiltersFollowDocker() {
        JsonObject running = summary("running");
        assertTrue(ContainerApi.matches(running, DockerFilters.parse("{\"status\":[\"running\"]}")));
        assertFalse(ContainerApi.matches(running, DockerFilters.parse("{\"status\":[\"exited\"]}")));
        assertTrue(ContainerApi.matches(running, DockerFilters.parse("{\"name\":{\"we\":true}}")));
        assertTrue(ContainerApi.matches(running, DockerFilters.parse("{\"name\":[\"^/web$\"]}")));
        assertFalse(ContainerApi.matches(running, DockerFilters.parse("{\"name\":[\"db\"]}")));
        assertTrue(ContainerApi.matches(running, DockerFilters.parse("{\"id\":[\"0123\"]}")));
        assertFalse(ContainerApi.matches(running, DockerFilters.parse("{\"label\":[\"a=b\"]}")),
                "Berth containers have no labels");
        assertTrue(ContainerApi.matches(summary("exited"), DockerFilters.parse("{\"exited\":[\"3\"]}")));
        assertFalse(ContainerApi.matches(running, DockerFilters.parse("{\"name\":[\"[\"]}")),
                "a malformed pattern matches as plain text, and /web has no [");
    }
}
