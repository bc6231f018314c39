package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without a daemon every client command prints one line naming the endpoint and {@code berth daemon}, exit 3. */
class NoDaemonTest {

    @TempDir
    Path folder;

    private final CapturedOutput out = new CapturedOutput();
    private final CapturedOutput err = new CapturedOutput();

    private int berth(Map<String, String> env, String... args) {
        return Cli.run(List.of(args), env, out.stream(), err.stream());
    }

    @Test
    void missingSocketIsOneLineAndExitThree() {
        Path socket = folder.resolve("missing.sock");

        int code = berth(Map.of(), "-H", "unix://" + socket, "info");

        assertEquals(3, code);
        assertEquals("berth: cannot reach the berth daemon at unix://" + socket
                + " (no such socket); start one with: berth daemon\n", err.text());
        assertEquals("", out.text());
    }

    @Test
    void socketFileWithoutListenerIsConnectionRefused() throws Exception {
        Path socket = folder.resolve("stale.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket), "closing a Unix server socket leaves its file behind");

        int code = berth(Map.of(), "-H", "unix://" + socket, "events", "-f");

        assertEquals(3, code);
        assertEquals("berth: cannot reach the berth daemon at unix://" + socket
                + " (connection refused); start one with: berth daemon\n", err.text());
    }

    @Test
    void tcpPortWithoutListenerIsConnectionRefused() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }

        int code = berth(Map.of(), "-H", "tcp://127.0.0.1:" + port, "plugins");

        assertEquals(3, code);
        assertEquals("berth: cannot reach the berth daemon at tcp://127.0.0.1:" + port
                + " (connection refused); start one with: berth daemon\n", err.text());
    }

    @Test
    void versionPrintsTheClientPartThenTheError() {
        Path socket = folder.resolve("missing.sock");

        int code = berth(Map.of("BERTH_HOST", "unix://" + socket), "version");

        assertEquals(3, code);
        assertTrue(out.text().startsWith("Client:\n Version:"), out.text());
        assertTrue(!out.text().contains("Server:"), out.text());
        assertEquals(1, err.text().lines().count(), err.text());
        assertTrue(err.text().contains("unix://" + socket + " (no such socket)"), err.text());
    }

    @Test
    void defaultEndpointIsTheRunSocket() {
        // Only meaningful where no daemon runs at the default socket.
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/run/berth/berth.sock")),
                "a berth daemon socket exists at /run/berth/berth.sock: this test needs the default endpoint free");

        int code = berth(Map.of(), "plugins");

        assertEquals(3, code);
        assertEquals("berth: cannot reach the berth daemon at unix:///run/berth/berth.sock (no such socket); "
                + "start one with: berth daemon\n", err.text());
    }
}
