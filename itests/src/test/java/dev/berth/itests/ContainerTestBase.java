package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the container end-to-end suites share: one demo registry on 127.0.0.1 and one daemon per test
 * class (its state under a temporary folder made 0711, as /var/lib is, so a user namespace's root can
 * reach its root filesystem), the demo image pulled, every container removed at the end; and the helpers
 * to call the CLI, list containers and skip, printing the daemon's reason, where a runtime cannot run.
 * Test classes run one after another, so the static fields serve one class at a time.
 */
abstract class ContainerTestBase {
    static final ObjectMapper JSON = new ObjectMapper();
    static DemoRegistry registry;
    static Daemon daemon;
    static Path base;
    /** Extra options for the daemon of a suite: {@code @DaemonArguments({"--stage-timeout", "3"})}. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.TYPE)
    @interface DaemonArguments {
        String[] value();
    }

    @BeforeAll
    static void startDaemonAndRegistry(org.junit.jupiter.api.TestInfo suite) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "containers need root");
        registry = DemoRegistry.start();
        base = Files.createTempDirectory("berth-containers-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
        String[] options = suite.getTestClass().map(c -> c.getAnnotation(DaemonArguments.class))
                .map(DaemonArguments::value).orElse(new String[0]);
        daemon = new Daemon(base).withArguments(options).start();
        Cli.Result pull = daemon.cli("pull", image());
        assertEquals(0, pull.exit(), pull.toString());
    }

    @AfterAll
    static void stopAll() throws Exception {
        if (daemon != null) {
            for (JsonNode c : containers(true)) {
                daemon.cli("rm", "-f", c.path("id").asText());
            }
            daemon.close();
            daemon = null;
        }
        if (registry != null) {
            registry.close();
            registry = null;
        }
    }

    static String image() {
        return registry.busybox();
    }

    static Cli.Result berth(String... args) throws IOException, InterruptedException {
        return daemon.cli(args);
    }

    static Cli.Result berth(List<String> args) throws IOException, InterruptedException {
        return daemon.cli(args.toArray(String[]::new));
    }

    /** {@code run --runtime RUNTIME rest...}. */
    static List<String> run(String runtime, String... rest) {
        List<String> args = new ArrayList<>(List.of("run", "--runtime", runtime));
        args.addAll(List.of(rest));
        return args;
    }

    static JsonNode containers(boolean all) throws IOException {
        UnixHttp.Response response = daemon.http().get("/v1/containers" + (all ? "?all=1" : ""));
        assertEquals(200, response.status(), response.body());
        return JSON.readTree(response.body()).path("containers");
    }

    /** Skips (printing why) when the daemon says {@code runtime} cannot run containers on this host. */
    static void assumeUsable(String runtime) throws IOException {
        JsonNode r = runtime(runtime);
        if (!r.path("usable").asBoolean()) {
            String reason = runtime + " cannot run here: " + r.path("reason").asText();
            System.out.println("SKIPPED (" + runtime + "): " + reason);
            assumeTrue(false, reason);
        }
    }

    /** Whether the daemon says {@code runtime} can run containers on this host. */
    static boolean usable(String runtime) throws IOException {
        return runtime(runtime).path("usable").asBoolean();
    }

    /** The daemon's entry for the runtime plugin {@code name}; there must be one. */
    private static JsonNode runtime(String name) throws IOException {
        UnixHttp.Response response = daemon.http().get("/v1/runtimes");
        assertEquals(200, response.status(), response.body());
        for (JsonNode r : JSON.readTree(response.body()).path("runtimes")) {
            if (r.path("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("no runtime plugin " + name + " in " + response.body());
    }

    /** The container folders under the daemon's state root now. */
    static Set<Path> containerDirs() throws IOException {
        Path dir = daemon.root.resolve("containers");
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return new HashSet<>(list.toList());
        }
    }

    /** Fails when something is mounted under the state root's mounts/ that no running container needs. */
    static void assertNoMountsLeftBehind() throws Exception {
        Set<String> wanted = new HashSet<>();
        for (JsonNode c : containers(false)) {
            wanted.add(c.path("id").asText());
        }
        Path mounts = daemon.root.resolve("mounts");
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mountPoint = line.split(" ")[4];
            if (mountPoint.startsWith(mounts.toString())) {
                String id = mounts.relativize(Path.of(mountPoint)).getName(0).toString();
                assertTrue(wanted.contains(id), "a mount no running container needs: " + mountPoint);
            }
        }
    }
}
