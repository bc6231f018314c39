package dev.berth.plugin.pull.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which HTTP client a request goes through: plain http: (a registry marked insecure) through the one that
 * never sets up TLS, https: through the JDK's TLS. The server here speaks plain HTTP on 127.0.0.1 to both.
 */
class RegistryTransportSchemeTest {
    private static final RegistryClient.Options FAST = new RegistryClient.Options(Duration.ofSeconds(1),
            Duration.ofMillis(500), 1, Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(2));

    private ServerSocket server;
    private Thread serving;
    private String registry;

    @BeforeEach
    void startPlainHttpServer() throws IOException {
        server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        registry = "127.0.0.1:" + server.getLocalPort();
        serving = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] buffer = new byte[4096];
                    in.read(buffer); // the request (or a TLS client hello), whatever it is
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // closed, or a client that went away
                }
            }
        }, "plain-http");
        serving.setDaemon(true);
        serving.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        serving.join(2_000);
    }

    private static int get(RegistryTransport transport, String registry) throws BerthException {
        return transport.retrying("GET /v2/", registry, () -> {
            try (RegistryTransport.Reply reply = transport.exchange(registry, Scope.NONE,
                    RegistryTransport.Call.of("GET", transport.uri(registry, "/v2/"), Map.of()))) {
                return reply.statusCode();
            }
        });
    }

    @Test
    void anInsecureRegistryIsAskedOverPlainHttpWithoutTls() throws Exception {
        RegistryTransport transport = new RegistryTransport(r -> true, Credentials.none(), FAST);
        assertEquals(200, get(transport, registry));
    }

    @Test
    void aSecureRegistryIsAskedOverTlsAndAPlainHttpAnswerSaysMarkItInsecure() {
        RegistryTransport transport = new RegistryTransport(r -> false, Credentials.none(), FAST);
        BerthException e = assertThrows(BerthException.class, () -> get(transport, registry));
        assertTrue(e.getMessage().contains("TLS connection to " + registry + " failed")
                && e.getMessage().contains("mark it insecure"), e.getMessage());
    }

    /** The plain client's TLS context: any use of it fails with a message that says why. */
    @Test
    void thePlainClientsTlsContextRefusesEveryUse() {
        SSLContext context = PlainHttpOnly.context();
        for (Executable use : new Executable[] {context::getSocketFactory, context::createSSLEngine,
                () -> context.createSSLEngine("h", 1), context::getClientSessionContext,
                context::getServerSessionContext, context::getServerSocketFactory}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, use);
            assertTrue(e.getMessage().contains("has no TLS"), e.getMessage());
        }
        assertThrows(java.security.KeyManagementException.class, () -> context.init(null, null, null));
    }
}
