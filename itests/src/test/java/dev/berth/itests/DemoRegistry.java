package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo image built offline from Debian's busybox-static by .ci/demo-image and served by Debian's
 * docker-registry on a free port of 127.0.0.1, for one test class. Not thread-safe.
 */
final class DemoRegistry implements AutoCloseable {
    final Path dir;
    final int port;

    private DemoRegistry(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Builds the image and starts the registry; fails naming the missing tool or the script's output. */
    static DemoRegistry start() throws IOException, InterruptedException {
        for (String tool : List.of("/usr/bin/docker-registry", "/usr/bin/skopeo", "/bin/busybox")) {
            assertTrue(Files.isExecutable(Path.of(tool)), tool + " is missing: run .ci/install-deps");
        }
        Path dir = Files.createTempDirectory("berth-demo-image-");
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path script = Path.of(System.getProperty("berth.repo", ".."), ".ci/demo-image").toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
        builder.environment().put("BERTH_DEMO_DIR", dir.toString());
        builder.environment().put("BERTH_REGISTRY_PORT", String.valueOf(port));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
        return new DemoRegistry(dir, port);
    }

    /** The demo image's reference in this registry. */
    String busybox() {
        return "127.0.0.1:" + port + "/busybox:latest";
    }

    @Override
    public void close() throws IOException {
        Path pid = dir.resolve("registry.pid");
        if (Files.exists(pid)) {
            ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(ProcessHandle::destroy);
        }
    }
}
