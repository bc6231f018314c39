package dev.berth.plugin.pull.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pull stage's warm-up: real traffic to a registry of its own, and nothing left behind. */
class PullWarmUpTest {
    @TempDir
    Path run;

    @Test
    void makesALoginAManifestAndABlobRequestAndLeavesNothing() throws Exception {
        int served = new PullWarmUp(RegistryClient.Options.defaults(), run).warmUp();
        assertEquals(3, served, "GET /v2/, the manifest and the blob");
        try (Stream<Path> left = Files.list(run)) {
            assertEquals(List.of(), left.toList(), "the warm-up's scratch content store must be gone");
        }
    }

    @Test
    void theScratchFolderOfADaemonKilledDuringItsWarmUpIsRemovedAndOthersAreKept() throws Exception {
        Path leftover = Files.createDirectories(run.resolve(".pull-warm-up-123/content/ingest"));
        Files.writeString(leftover.resolve("partial"), "half a blob");
        Path other = Files.writeString(run.resolve("berth.pid"), "1");
        new PullWarmUp(RegistryClient.Options.defaults(), run).warmUp();
        try (Stream<Path> left = Files.list(run)) {
            assertEquals(List.of(other), left.toList());
        }
    }

    @Test
    void aScratchFolderItCannotMakeFailsTheWarmUpQuietly() throws Exception {
        Path notAFolder = Files.writeString(run.resolve("file"), "x");
        PullWarmUp warmUp = new PullWarmUp(RegistryClient.Options.defaults(), notAFolder);
        assertThrows(IOException.class, warmUp::warmUp);
        warmUp.run(); // the daemon's call: no exception escapes
        assertEquals("x", Files.readString(notAFolder));
    }

    @Test
    void theLoopbackRegistryAnswersOnlyItsPathsAndStopsListeningWhenClosed() throws Exception {
        int port;
        try (LoopbackRegistry registry = LoopbackRegistry.start(
                Map.of("/v2/", new LoopbackRegistry.Answer("application/json", "{}".getBytes(StandardCharsets.UTF_8))))) {
            port = Integer.parseInt(registry.address().substring("127.0.0.1:".length()));
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "DELETE /v2/ HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                socket.shutdownOutput();
                String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertEquals(List.of("HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 404 Not Found"),
                        Pattern.compile("HTTP/1\\.1 [^\r]*").matcher(answers).results()
                                .map(MatchResult::group).toList());
            }
            assertEquals(3, registry.served());
        }
        assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
    }

    @Test
    void anOverlongRequestHeadEndsTheConnection() throws Exception {
        try (LoopbackRegistry registry = LoopbackRegistry.start(Map.of());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(),
                     Integer.parseInt(registry.address().substring("127.0.0.1:".length())))) {
            byte[] junk = new byte[64 << 10];
            Arrays.fill(junk, (byte) 'a');
            try {
                socket.getOutputStream().write(junk);
            } catch (IOException e) {
                // The registry may close before all of it is written.
            }
            InputStream in = socket.getInputStream();
            assertEquals(-1, in.read(), "no answer to a head longer than 16 KiB, and the connection closed");
            assertEquals(0, registry.served());
        }
    }
}
