package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real docker command-line client (28.x, API 1.50) driving Berth through the Docker API socket
 * ({@code DOCKER_HOST=unix://<run>/docker.sock}): version, info, pull from the demo registry, images, image
 * inspect, tag, rmi, save -o and load -i, events with --since/--until and filters, and a plain 501 for what
 * Berth does not implement. Where no docker binary is installed the class is skipped, printing why, before
 * any daemon starts. The methods run in order and share the daemon's image store.
 */
@ExtendWith(DockerCliIT.DockerInstalled.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerCliIT extends ContainerTestBase {
    /** The client to drive: the system property {@code berth.docker.cli} when set, else the usual places. */
    private static final Optional<Path> DOCKER = System.getProperty("berth.docker.cli") != null
            ? Optional.of(Path.of(System.getProperty("berth.docker.cli"))).filter(Files::isExecutable)
            : Stream.of(Path.of("/usr/local/bin/docker"), Path.of("/usr/bin/docker")).filter(Files::isExecutable)
                    .findFirst().or(DockerCliIT::onPath);
    private static Path config;
    private static Instant started;

    /** Skips the class, before the daemon and registry start, when there is no docker client to drive. */
    static final class DockerInstalled implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (DOCKER.isPresent()) {
                return ConditionEvaluationResult.enabled("docker client at " + DOCKER.get());
            }
            String reason = System.getProperty("berth.docker.cli") != null
                    ? "no docker client at " + System.getProperty("berth.docker.cli") + " (berth.docker.cli)"
                    : "no docker client installed (/usr/local/bin/docker, /usr/bin/docker or docker on PATH)";
            System.out.println("SKIPPED DockerCliIT: " + reason);
            return ConditionEvaluationResult.disabled(reason);
        }
    }

    private static Optional<Path> onPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, "docker"))
                .filter(Files::isExecutable).findFirst();
    }

    @BeforeAll
    static void clientConfig() throws Exception {
        // The client's own config folder, so nothing from this machine's ~/.docker (contexts, credential
        // helpers) changes what it does.
        config = Files.createTempDirectory(base, "docker-config-");
        started = Instant.now().minusSeconds(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(daemon.dockerSocket()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(daemon.dockerSocket()), "no Docker API socket at " + daemon.dockerSocket()
                + ":\n" + daemon.output());
    }

    /** Runs {@code docker args...} against the daemon's Docker API socket. */
    static Cli.Result docker(String... args) throws IOException, InterruptedException {
        return docker(java.util.Map.of(), args);
    }

    /** Runs {@code docker args...} with {@code environment} added. */
    static Cli.Result docker(java.util.Map<String, String> environment, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(DOCKER.orElseThrow().toString());
        command.addAll(List.of(args));
        java.util.Map<String, String> env = new java.util.HashMap<>(java.util.Map.of("DOCKER_HOST",
                "unix://" + daemon.dockerSocket(), "DOCKER_CONFIG", config.toString()));
        env.putAll(environment);
        List<String> unset = new ArrayList<>(List.of("DOCKER_CONTEXT", "DOCKER_API_VERSION"));
        unset.removeAll(environment.keySet());
        Cli.Result result = Cli.exec(command, env, unset, null, 120);
        System.out.println("$ docker " + String.join(" ", args) + "\n" + result.stdout() + result.stderr());
        return result;
    }


    private static Cli.Result ok(String... args) throws IOException, InterruptedException {
        Cli.Result result = docker(args);
        assertEquals(0, result.exit(), "docker " + List.of(args) + ": " + result);
        return result;
    }

    /** The demo image's name as Docker shows it (it is on a registry of its own, so it stays whole). */
    private static String demo() {
        return image();
    }

    @Test
    @Order(1)
    void versionNegotiatesApi150() throws Exception {
        Cli.Result plain = ok("version");
        assertTrue(plain.stdout().contains("Server: Berth"), plain.stdout());
        Cli.Result format = ok("version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}}");
        assertEquals("1.50 1.24 linux", format.stdout().trim());

        Cli.Result older = docker(java.util.Map.of("DOCKER_API_VERSION", "1.41"), "version", "--format",
                "{{.Server.Version}}");
        assertEquals(0, older.exit(), older.toString());
        Cli.Result tooOld = docker(java.util.Map.of("DOCKER_API_VERSION", "1.20"), "version");
        assertNotEquals(0, tooOld.exit());
        assertTrue(tooOld.stderr().contains("client version 1.20 is too old. Minimum supported API version is 1.24"),
                tooOld.stderr());
    }

    @Test
    @Order(2)
    void infoPrintsWithoutErrors() throws Exception {
        Cli.Result info = ok("info");
        assertFalse(info.stderr().contains("rror"), info.stderr());
        for (String line : List.of("Server Version:", "Storage Driver:", "Cgroup Version:", "Kernel Version:",
                "Operating System:", "Default Runtime:", "Docker Root Dir: " + daemon.root)) {
            assertTrue(info.stdout().contains(line), line + " missing from:\n" + info.stdout());
        }
        Cli.Result format = ok("info", "--format", "{{.OSType}} {{.Images}} {{.NCPU}} {{.DefaultRuntime}}");
        String[] words = format.stdout().trim().split(" ");
        assertEquals("linux", words[0]);
        assertEquals("1", words[1], "the demo image pulled by the suite");
        assertTrue(Integer.parseInt(words[2]) > 0);
    }

    @Test
    @Order(3)
    void pullStreamsDockersProgress() throws Exception {
        Cli.Result pull = ok("pull", demo());
        assertTrue(pull.stdout().contains("Digest: sha256:"), pull.stdout());
        assertTrue(pull.stdout().contains("Status: "), pull.stdout());
        assertTrue(pull.stdout().trim().endsWith(demo()), pull.stdout());

        Cli.Result missing = docker("pull", "127.0.0.1:" + demo().split("[:/]")[1] + "/no-such-image:latest");
        assertNotEquals(0, missing.exit(), missing.toString());
        assertTrue(missing.stderr().contains("Error response from daemon"), missing.stderr());
    }

    @Test
    @Order(4)
    void imagesAndInspect() throws Exception {
        Cli.Result images = ok("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}");
        String repository = demo().substring(0, demo().lastIndexOf(':'));
        assertTrue(images.stdout().contains(repository + ":latest "), images.stdout());

        Cli.Result inspect = ok("image", "inspect", demo(), "--format", "{{.Id}} {{.Os}} {{index .RepoTags 0}}");
        String[] words = inspect.stdout().trim().split(" ");
        assertTrue(words[0].matches("sha256:[0-9a-f]{64}"), inspect.stdout());
        assertEquals("linux", words[1]);
        assertEquals(demo(), words[2]);

        String shortId = words[0].substring(7, 19);
        assertEquals(words[0], ok("image", "inspect", shortId, "--format", "{{.Id}}").stdout().trim());

        Cli.Result missing = docker("image", "inspect", "no-such-image");
        assertEquals(1, missing.exit(), missing.toString());
        assertTrue(missing.stderr().contains("No such image: no-such-image"), missing.stderr());
    }

    @Test
    @Order(5)
    void tagAndRmi() throws Exception {
        ok("tag", demo(), "berth-test/copy:v1");
        assertTrue(ok("images", "--format", "{{.Repository}}:{{.Tag}}").stdout().contains("berth-test/copy:v1"));
        Cli.Result rmi = ok("rmi", "berth-test/copy:v1");
        assertTrue(rmi.stdout().contains("Untagged: berth-test/copy:v1"), rmi.stdout());
        assertFalse(ok("images", "--format", "{{.Repository}}:{{.Tag}}").stdout().contains("berth-test/copy"));

        Cli.Result missing = docker("rmi", "berth-test/copy:v1");
        assertNotEquals(0, missing.exit());
        assertTrue(missing.stderr().contains("No such image"), missing.stderr());
    }

    @Test
    @Order(6)
    void saveThenLoadBringsTheImageBack() throws Exception {
        Path archive = base.resolve("demo.tar");
        ok("save", "-o", archive.toString(), demo());
        assertTrue(Files.size(archive) > 1024, "archive of " + Files.size(archive) + " bytes");
        Process tar = new ProcessBuilder("tar", "-tf", archive.toString()).redirectErrorStream(true).start();
        String entries = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, tar.waitFor(), entries);
        assertTrue(entries.lines().anyMatch(l -> l.equals("manifest.json")), entries);

        Cli.Result rmi = ok("rmi", demo());
        assertTrue(rmi.stdout().contains("Untagged: " + demo()), rmi.stdout());
        assertTrue(rmi.stdout().contains("Deleted: sha256:"), rmi.stdout());
        assertFalse(ok("images", "--format", "{{.Repository}}:{{.Tag}}").stdout().contains(demo()));

        Cli.Result load = ok("load", "-i", archive.toString());
        assertTrue(load.stdout().contains("Loaded image: " + demo()), load.stdout());
        assertTrue(ok("images", "--format", "{{.Repository}}:{{.Tag}}").stdout().contains(demo()));
        try (Stream<Path> scratch = Files.exists(daemon.root.resolve("tmp/dockerapi"))
                ? Files.list(daemon.root.resolve("tmp/dockerapi")) : Stream.empty()) {
            assertEquals(List.of(), scratch.toList(), "archives left in the scratch folder");
        }
    }

    @Test
    @Order(7)
    void eventsBetweenSinceAndUntilWithFilters() throws Exception {
        String since = Long.toString(started.getEpochSecond());
        String until = Long.toString(Instant.now().getEpochSecond() + 1);
        Cli.Result all = ok("events", "--since", since, "--until", until, "--format", "{{.Type}} {{.Action}}");
        List<String> lines = all.stdout().lines().toList();
        for (String expected : List.of("image tag", "image untag", "image save", "image delete", "image load")) {
            assertTrue(lines.contains(expected), expected + " missing from " + lines);
        }
        Cli.Result tags = ok("events", "--since", since, "--until", until, "--filter", "type=image", "--filter",
                "event=tag", "--format", "{{.Action}} {{.Actor.Attributes.name}}");
        List<String> tagLines = tags.stdout().lines().toList();
        assertTrue(tagLines.contains("tag berth-test/copy:v1"), tagLines.toString());
        assertTrue(tagLines.stream().allMatch(l -> l.startsWith("tag ")), tagLines.toString());

        Cli.Result json = ok("events", "--since", since, "--until", until, "--filter", "event=load", "--format",
                "{{json .}}");
        String line = json.stdout().lines().findFirst().orElseThrow(() -> new AssertionError("no load event"));
        com.fasterxml.jackson.databind.JsonNode event = JSON.readTree(line);
        assertEquals("image", event.path("Type").asText());
        assertEquals("local", event.path("scope").asText());
        assertTrue(event.path("timeNano").asLong() >= started.getEpochSecond() * 1_000_000_000L, line);
    }

    @Test
    @Order(8)
    void aFreshPullShowsEachLayersProgress() throws Exception {
        ok("rmi", demo());
        Cli.Result prune = berth("image", "prune", "--grace", "0");
        assertEquals(0, prune.exit(), prune.toString());
        Cli.Result pull = ok("pull", demo());
        for (String expected : List.of("Pulling from busybox", "Download complete", "Pull complete",
                "Status: Downloaded newer image for " + demo())) {
            assertTrue(pull.stdout().contains(expected), expected + " missing from:\n" + pull.stdout());
        }
        assertFalse(pull.stdout().contains("Already exists"), pull.stdout());
    }

    @Test
    @Order(9)
    void whatBerthDoesNotImplementIsA501NamingIt() throws Exception {
        Cli.Result networks = docker("network", "ls");
        assertNotEquals(0, networks.exit());
        assertTrue(networks.stderr().contains("Berth does not implement GET /networks"), networks.stderr());
        Cli.Result volumes = docker("volume", "ls");
        assertNotEquals(0, volumes.exit());
        assertTrue(volumes.stderr().contains("Berth does not implement GET /volumes"), volumes.stderr());
    }
}
