package dev.berth.plugin.spec.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.container.GeneratedSpec;
import dev.berth.api.container.RunOptions;
import dev.berth.api.container.SpecRequest;
import dev.berth.api.container.VolumeMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs generated bundles with the real runc (root only): a busybox rootfs, the host's real facts
 * ({@link SpecGenerator#forHost}), and the runtime's own exit code as the verdict. Skipped, with the
 * reason printed, where runc is missing or the tests do not run as root.
 */
class RuncRunTest {
    @TempDir
    Path dir;
    Path runc;
    Path rootfs;

    @BeforeEach
    void setUp() throws Exception {
        Optional<Path> found = onPath("runc");
        String skip = found.isEmpty() ? "runc is not on PATH" : !isRoot() ? "not running as root"
                : !Files.isExecutable(Path.of("/bin/busybox")) ? "no /bin/busybox (busybox-static)" : null;
        if (skip != null) {
            System.out.println("RuncRunTest skipped: " + skip);
        }
        Assumptions.assumeTrue(skip == null, skip);
        runc = found.get();
        rootfs = Files.createDirectory(dir.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : List.of("sh", "true", "id", "cat", "touch", "mknod", "head")) {
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        Rootfs.empty(rootfs).file("etc/passwd", Rootfs.PASSWD).file("etc/group", Rootfs.GROUP);
    }

    @Test
    void exitCodeComesBackFromTheContainer() throws Exception {
        assertEquals(3, run(new RunOptions(List.of("sh", "-c", "exit 3"), null, List.of(), null, null, null, false,
                List.of(), false, false, null)).exitCode);
    }

    @Test
    void processSeesItsUserHostnameLimitAndWorkingDir() throws Exception {
        Files.createDirectories(rootfs.resolve("srv"));
        String script = "echo \"$(id -u):$(id -g):$(id -G)|$(cat /etc/hostname)|$HOSTNAME|$(ulimit -n)|$PWD\"";
        Result result = run(new RunOptions(List.of("sh", "-c", script), null, List.of(), "/srv", "app", "box", true,
                List.of(), false, false, null));
        assertEquals(0, result.exitCode, result.output);
        long nofile = HostFacts.probe(HostFacts.RESOLV_CONF).nofileHard().orElse(1024);
        String expected = "1000:1000:1000 2000|box|box|" + Math.min(nofile, SpecGenerator.DEFAULT_NOFILE) + "|/srv";
        assertTrue(result.output.contains(expected), "expected " + expected + " in:\n" + result.output);
    }

    @Test
    void readOnlyRootReadOnlyVolumeAndDeniedDevices() throws Exception {
        Path volume = Files.createDirectory(dir.resolve("volume"));
        Files.writeString(volume.resolve("hello"), "hi");
        String script = "cat /data/hello; touch /data/x || echo volume-ro; touch /y || echo root-ro;"
                + " mknod /dev/sdz b 8 0 && head -c1 /dev/sdz || echo device-denied";
        Result result = run(new RunOptions(List.of("sh", "-c", script), null, List.of(), null, null, null, true,
                List.of(new VolumeMount(volume.toString(), "/data", true)), false, false, null));
        assertEquals(0, result.exitCode, result.output);
        for (String expected : List.of("hi", "volume-ro", "root-ro", "device-denied")) {
            assertTrue(result.output.contains(expected), expected + " in:\n" + result.output);
        }
        assertEquals(List.of("hello"), Bundle.listing(volume), "nothing written through the read-only volume");
    }

    private record Result(int exitCode, String output) {
    }

    private Result run(RunOptions options) throws Exception {
        String id = "berthspec" + HexFormat.of().formatHex(randomBytes());
        Path bundle = dir.resolve("bundle");
        GeneratedSpec spec = new SpecGenerator(HostFacts.probe(HostFacts.RESOLV_CONF), SpecGenerator.DEFAULT_NOFILE,
                TestModules.dockerLike())
                .generate(new SpecRequest(id, "runc-test", rootfs.toString(), bundle.toString(), "{}", options));
        assertEquals(List.of(), Bundle.SCHEMAS.validateConfig(Bundle.read(Path.of(spec.path()))));
        Path state = dir.resolve("runc");
        Path log = dir.resolve("runc.out");
        Process process = new ProcessBuilder(runc.toString(), "--root", state.toString(), "run", "--bundle",
                bundle.toString(), id).directory(bundle.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("runc run " + id + " did not finish in 60 s");
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            new ProcessBuilder(runc.toString(), "--root", state.toString(), "delete", "--force", id)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String entry : path.split(":")) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean isRoot() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[1].equals("0");
            }
        }
        return false;
    }
}
