package dev.berth.plugin.spec.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.container.GeneratedSpec;
import dev.berth.api.container.RunOptions;
import dev.berth.api.container.SpecRequest;
import dev.berth.api.container.VolumeMount;
import dev.berth.api.isolation.BusyboxBundle;
import dev.berth.api.isolation.BusyboxBundle.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs generated bundles with the real runc (root only): a busybox rootfs, the host's real facts
 * ({@link SpecGenerator#forHost}), and the runtime's own exit code as the verdict. Skipped, with the
 * reason printed, where runc or busybox is missing or the tests do not run as root.
 */
class RuncRunTest {
    @TempDir
    Path dir;
    BusyboxBundle bundle;

    @BeforeEach
    void setUp() throws Exception {
        bundle = BusyboxBundle.forRuntime("runc", dir, "sh", "true", "id", "cat", "touch", "mknod", "head");
        Rootfs.empty(bundle.rootfs()).file("etc/passwd", Rootfs.PASSWD).file("etc/group", Rootfs.GROUP);
    }

    @Test
    void exitCodeComesBackFromTheContainer() throws Exception {
        assertEquals(3, run(new RunOptions(List.of("sh", "-c", "exit 3"), null, List.of(), null, null, null, false,
                List.of(), false, false, null)).exitCode());
    }

    @Test
    void processSeesItsUserHostnameLimitAndWorkingDir() throws Exception {
        Files.createDirectories(bundle.rootfs().resolve("srv"));
        String script = "echo \"$(id -u):$(id -g):$(id -G)|$(cat /etc/hostname)|$HOSTNAME|$(ulimit -n)|$PWD\"";
        Run result = run(new RunOptions(List.of("sh", "-c", script), null, List.of(), "/srv", "app", "box", true,
                List.of(), false, false, null));
        assertEquals(0, result.exitCode(), result.output());
        long nofile = HostFacts.probe(HostFacts.RESOLV_CONF).nofileHard().orElse(1024);
        String expected = "1000:1000:1000 2000|box|box|" + Math.min(nofile, SpecGenerator.DEFAULT_NOFILE) + "|/srv";
        assertTrue(result.output().contains(expected), "expected " + expected + " in:\n" + result.output());
    }

    @Test
    void readOnlyRootReadOnlyVolumeAndDeniedDevices() throws Exception {
        Path volume = Files.createDirectory(dir.resolve("volume"));
        Files.writeString(volume.resolve("hello"), "hi");
        String script = "cat /data/hello; touch /data/x || echo volume-ro; touch /y || echo root-ro;"
                + " mknod /dev/sdz b 8 0 && head -c1 /dev/sdz || echo device-denied";
        Run result = run(new RunOptions(List.of("sh", "-c", script), null, List.of(), null, null, null, true,
                List.of(new VolumeMount(volume.toString(), "/data", true)), false, false, null));
        assertEquals(0, result.exitCode(), result.output());
        for (String expected : List.of("hi", "volume-ro", "root-ro", "device-denied")) {
            assertTrue(result.output().contains(expected), expected + " in:\n" + result.output());
        }
        assertEquals(List.of("hello"), Bundle.listing(volume), "nothing written through the read-only volume");
    }

    /** Generates the bundle's config.json for {@code options}, checks it against the schema, and runs it. */
    private Run run(RunOptions options) throws Exception {
        String id = "berthspec" + HexFormat.of().formatHex(randomBytes());
        GeneratedSpec spec = new SpecGenerator(HostFacts.probe(HostFacts.RESOLV_CONF), SpecGenerator.DEFAULT_NOFILE,
                TestModules.dockerLike()).generate(new SpecRequest(id, "runc-test", bundle.rootfs().toString(),
                        bundle.bundle().toString(), "{}", options));
        assertEquals(List.of(), Bundle.SCHEMAS.validateConfig(Bundle.read(Path.of(spec.path()))));
        return bundle.run("runc");
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
