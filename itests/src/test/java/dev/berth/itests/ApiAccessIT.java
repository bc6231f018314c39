package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who can reach the API, on real daemons: both sockets are root's and the {@code berth} group's with mode
 * 0660, an unprivileged user is refused and a member of the group is let in; a daemon without {@code --tcp}
 * listens on no TCP port, and with it serves TLS only to clients whose certificate its CA signed (curl and
 * the berth CLI with {@code BERTH_CERT_PATH}); plain HTTP, no certificate or another CA's are refused.
 */
class ApiAccessIT {
    private static final int NOBODY = 65534;
    private static Path base;
    private static Daemon plain;
    private static Daemon tls;
    private static int port;
    private static Path certs;

    @BeforeAll
    static void startDaemons() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the daemon needs root");
        base = Files.createTempDirectory("berth-access-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
        certs = base.resolve("certs");
        Files.createDirectories(certs);
        Cli.Result made = Cli.exec(List.of("bash", "-c", CERTIFICATES), Map.of("D", certs.toString()), List.of(), null,
                60);
        assertEquals(0, made.exit(), made.toString());
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        plain = new Daemon(base.resolve("plain")).start();
        tls = new Daemon(base.resolve("tls")).withArguments("--tcp", "127.0.0.1:" + port,
                "--tlscert", certs.resolve("server.pem").toString(), "--tlskey", certs.resolve("server.key").toString(),
                "--tlscacert", certs.resolve("ca.pem").toString()).start();
    }

    @AfterAll
    static void stopDaemons() {
        for (Daemon daemon : new Daemon[] {plain, tls}) {
            if (daemon != null) {
                daemon.close();
            }
        }
    }

    /** A CA, a server certificate for 127.0.0.1, a client certificate, and a client of another CA (openssl 3). */
    private static final String CERTIFICATES = """
            set -euo pipefail
            cd "$D"
            ca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" 2>/dev/null; }
            leaf() { # name, ca, extension
              openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
              openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$1.pem" -days 2 \\
                -extfile <(printf '%s' "$3") 2>/dev/null
            }
            ca ca; ca other-ca
            leaf server ca "subjectAltName=IP:127.0.0.1
            extendedKeyUsage=serverAuth"
            leaf client ca "extendedKeyUsage=clientAuth"
            leaf stranger other-ca "extendedKeyUsage=clientAuth"
            mkdir -p cli && cp ca.pem cli/ca.pem && cp client.pem cli/cert.pem && cp client.key cli/key.pem
            """;

    static Stream<Arguments> sockets() {
        return Stream.of(Arguments.of("berth.sock"), Arguments.of("docker.sock"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sockets")
    void theSocketsAreRootsAndTheBerthGroupsOnly(String name) throws Exception {
        Path socket = plain.socket().resolveSibling(name);
        PosixFileAttributes attributes = Files.readAttributes(socket, PosixFileAttributes.class);
        assertEquals("rw-rw----", PosixFilePermissions.toString(attributes.permissions()), socket.toString());
        assertEquals("root", attributes.owner().getName());
        String group = Cli.exec(List.of("getent", "group", "berth"), Map.of(), List.of(), null, 10).stdout();
        assumeTrue(!group.isBlank(), "no berth group on this host (.ci/install-deps creates it)");
        assertEquals("berth", attributes.group().getName(), socket.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sockets")
    void anUnprivilegedUserIsRefusedAndAMemberOfTheGroupLetIn(String name) throws Exception {
        Path socket = plain.socket().resolveSibling(name);
        String path = name.equals("docker.sock") ? "/_ping" : "/v1/version";
        Cli.Result nobody = asUser(NOBODY, NOBODY, socket, path);
        assertNotEquals(0, nobody.exit(), "nobody must not reach " + socket + ": " + nobody);
        assertTrue(nobody.stderr().toLowerCase().contains("permission denied")
                || nobody.stderr().contains("Couldn't connect"), nobody.toString());
        String group = Cli.exec(List.of("getent", "group", "berth"), Map.of(), List.of(), null, 10).stdout();
        assumeTrue(!group.isBlank(), "no berth group on this host (.ci/install-deps creates it)");
        int gid = Integer.parseInt(group.split(":")[2]);
        Cli.Result member = asUser(NOBODY, gid, socket, path);
        assertEquals(0, member.exit(), "a berth group member reaches " + socket + ": " + member);
    }

    private static Cli.Result asUser(int uid, int gid, Path socket, String path) throws Exception {
        return Cli.exec(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "curl", "-sS",
                "-f", "--max-time", "10", "--unix-socket", socket.toString(), "http://localhost" + path), Map.of(),
                List.of(), null, 30);
    }

    @Test
    void withoutTcpTheDaemonListensOnNoTcpPort() throws Exception {
        Cli.Result listening = Cli.exec(List.of("ss", "-Hltnp"), Map.of(), List.of(), null, 10);
        assertEquals(0, listening.exit(), listening.toString());
        assertFalse(listening.stdout().contains("pid=" + plain.pid() + ","), listening.stdout());
        assertTrue(listening.stdout().contains("pid=" + tls.pid() + ","), "the TLS daemon's listener shows: "
                + listening.stdout());
    }

    @Test
    void tcpServesAClientWithACertificateOfItsCa() throws Exception {
        Cli.Result curl = curl("--cert", certs.resolve("client.pem").toString(), "--key",
                certs.resolve("client.key").toString());
        assertEquals(0, curl.exit(), curl.toString());
        assertTrue(curl.stdout().contains("\"apiVersion\""), curl.toString());

        Cli.Result cli = Cli.exec(List.of(Daemon.BERTH.toString(), "-H", "tcp://127.0.0.1:" + port, "version"),
                Map.of("BERTH_CERT_PATH", certs.resolve("cli").toString()), List.of("BERTH_HOST"), null, 60);
        assertEquals(0, cli.exit(), cli.toString());
        assertTrue(cli.stdout().contains("Server"), cli.toString());
    }

    static Stream<Arguments> refusedClients() {
        return Stream.of(
                Arguments.of("NoClientCertificate", List.<String>of()),
                Arguments.of("AnotherCasCertificate", List.of("--cert", "stranger.pem", "--key", "stranger.key")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedClients")
    void tcpRefusesClientsWithoutACertificateOfItsCa(String name, List<String> options) throws Exception {
        List<String> resolved = new ArrayList<>();
        for (String option : options) {
            resolved.add(option.startsWith("--") ? option : certs.resolve(option).toString());
        }
        Cli.Result curl = curl(resolved.toArray(String[]::new));
        assertNotEquals(0, curl.exit(), curl.toString());
        assertFalse(curl.stdout().contains("apiVersion"), curl.toString());
    }

    @Test
    void tcpRefusesPlainHttpAndTheCliWithoutCertificatesSaysWhy() throws Exception {
        Cli.Result http = Cli.exec(List.of("curl", "-sS", "-f", "--max-time", "10", "http://127.0.0.1:" + port
                + "/v1/version"), Map.of(), List.of(), null, 30);
        assertNotEquals(0, http.exit(), http.toString());
        assertFalse(http.stdout().contains("apiVersion"), http.toString());

        Cli.Result cli = Cli.exec(List.of(Daemon.BERTH.toString(), "-H", "tcp://127.0.0.1:" + port, "version"),
                Map.of(), List.of("BERTH_HOST", "BERTH_CERT_PATH"), null, 60);
        assertEquals(3, cli.exit(), cli.toString());
        assertTrue(cli.stderr().contains("BERTH_CERT_PATH"), cli.toString());
    }

    @Test
    void aDaemonAskedForTcpWithoutTlsDoesNotStart() throws Exception {
        Daemon bare = new Daemon(base.resolve("bare")).withArguments("--tcp", "127.0.0.1:" + port);
        assertEquals(2, bare.startExpectingExit(), bare.output());
        assertTrue(bare.output().contains("--tcp needs --tlscert"), bare.output());
    }

    private static Cli.Result curl(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "-f", "--max-time", "10", "--cacert",
                certs.resolve("ca.pem").toString()));
        command.addAll(List.of(options));
        command.add("https://127.0.0.1:" + port + "/v1/version");
        return Cli.exec(command, Map.of(), List.of(), null, 30);
    }
}
