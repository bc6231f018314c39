package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and hostile requests sent raw over both Unix sockets of a real daemon: Berth's own API
 * ({@code <run>/berth.sock}) and the Docker Engine API ({@code <run>/docker.sock}). One named case per row: huge
 * bodies (64 MiB, declared and chunked), bad JSON, wrong types, path traversal in names, ids and paths
 * ({@code ../../etc/passwd}, {@code %2e%2e}, NUL), unknown endpoints, wrong methods, header floods and oversized
 * request lines and headers; plus an id prefix that matches two containers. It proves, for every case, that the
 * answer comes within a timeout with the expected status (a 4xx, or the status the API documents: 501 for what
 * the Docker API does not implement), that the body is a JSON error ({@code message} and, on Berth's API,
 * {@code kind}) naming what is wrong where the case says so, that nothing was created outside the daemon's state
 * root (the test folder's top level is unchanged, {@code /etc/passwd} is unchanged) nor a container created, and
 * that the daemon still answers {@code GET /v1/version} and {@code GET /_ping} afterwards. A case that shows a
 * known bug outside the API server is skipped with the bug printed, and only that case.
 */
class MalformedRequestIT extends ContainerTestBase {
    private static final long ANSWER_SECONDS = 60;
    private static final int HUGE = 64 << 20;
    private static ExecutorService io;
    private static Set<String> baseEntries;
    private static String passwd;

    /** Which socket a case is sent to. */
    enum Api {
        BERTH, DOCKER
    }

    /**
     * One case: the raw request head and body (the body may be null), the statuses accepted, fragments the error
     * message must contain, and, for a known bug outside the API server, why the case is skipped.
     */
    record Case(Api api, byte[] head, byte[] body, Set<Integer> statuses, List<String> mentions, String knownBug) {
        Case knownBug(String why) {
            return new Case(api, head, body, statuses, mentions, why);
        }
    }

    @BeforeAll
    static void prepare() throws Exception {
        io = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "malformed-request-io");
            t.setDaemon(true);
            return t;
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(daemon.dockerSocket()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(daemon.dockerSocket()), "no Docker API socket:\n" + daemon.output());
        baseEntries = entries(base);
        passwd = sha256(Path.of("/etc/passwd"));
    }

    @AfterAll
    static void stopIo() {
        if (io != null) {
            io.shutdownNow();
        }
    }

    static Stream<Arguments> cases() {
        String image = image();
        return Stream.of(
                // Berth's API: bodies
                berth("HugeBodyDeclared", post("/v1/containers", HUGE, false), Set.of(413), "larger than"),
                berth("HugeBodyChunked", post("/v1/containers", HUGE, true), Set.of(413), "larger than"),
                berth("BadJson", post("/v1/containers", "{\"image\":"), Set.of(400), "not a JSON object"),
                berth("JsonArrayBody", post("/v1/containers", "[\"busybox\"]"), Set.of(400), "not a JSON object"),
                berth("ImageIsANumber", post("/v1/containers", "{\"image\":5}"), Set.of(400), "\"image\""),
                berth("EnvIsAString", post("/v1/containers", "{\"image\":\"" + image
                        + "\",\"options\":{\"env\":\"A=1\"}}"), Set.of(400), "options.env"),
                berth("NameTraversal", post("/v1/containers", "{\"image\":\"" + image
                        + "\",\"name\":\"../../etc/passwd\"}"), Set.of(400), "\"name\""),
                berth("VolumeSourceTraversal", post("/v1/containers", "{\"image\":\"" + image
                        + "\",\"options\":{\"volumes\":[{\"source\":\"../../etc\",\"target\":\"/x\"}]}}"), Set.of(400),
                        "options.volumes[0].source"),
                berth("PullReferenceTraversal", post("/v1/images/pull", "{\"reference\":\"../../etc/passwd\"}"),
                        Set.of(400), "reference"),
                berth("TagTargetTraversal", post("/v1/images/tag", "{\"source\":\"" + image
                        + "\",\"target\":\"../../etc/passwd\"}"), Set.of(400), "../../etc/passwd"),
                berth("LoadRelativeArchive", post("/v1/images/load", "{\"archive\":\"../../etc/passwd\"}"),
                        Set.of(400), "archive"),
                berth("ExportRelativeTarget", post("/v1/containers/nope/export", "{\"target\":\"../x.tar\"}"),
                        Set.of(400), "target"),
                berth("PluginFileTraversal", post("/v1/plugins/install", "{\"file\":\"../../x.jar\"}"), Set.of(400),
                        "file"),
                berth("ExecArgsWrongType", post("/v1/containers/nope/exec", "{\"args\":\"sh\"}"), Set.of(400),
                        "\"args\""),
                // Berth's API: ids and paths
                berth("IdDotDotSegments", get("/v1/containers/../../etc/passwd"), Set.of(400), "must not contain '/'"),
                berth("IdEncodedTraversal", get("/v1/containers/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), Set.of(400),
                        "must not contain '/'"),
                berth("IdEncodedDotDot", get("/v1/containers/%2e%2e"), Set.of(400), "not a container id"),
                berth("IdNul", get("/v1/containers/a%00b"), Set.of(400), "not a container id"),
                berth("ExecOnEncodedDotDot", post("/v1/containers/%2E%2E/exec", "{\"args\":[\"sh\"]}"), Set.of(400),
                        "not a container id"),
                berth("ImageInspectTraversal", get("/v1/images/inspect?reference=..%2F..%2Fetc%2Fpasswd"),
                        Set.of(400, 404), "../../etc/passwd"),
                berth("UnknownEndpoint", get("/v1/nope"), Set.of(404), "no such endpoint"),
                berth("UnknownContainerAction", raw("POST /v1/containers/nope/explode HTTP/1.1\r\nHost: b\r\n"
                        + "Connection: close\r\nContent-Length: 0\r\n\r\n"), Set.of(404), "no such endpoint"),
                berth("WrongMethodOnVersion", raw("DELETE /v1/version HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n"),
                        Set.of(405), "not allowed"),
                berth("WrongMethodOnContainers", raw("PUT /v1/containers HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
                        + "Content-Length: 0\r\n\r\n"), Set.of(405), "not allowed"),
                // Berth's API: the protocol
                berth("HeaderFlood", raw("GET /v1/version HTTP/1.1\r\nHost: b\r\n"
                        + "X-Flood: 0123456789\r\n".repeat(4000) + "\r\n"), Set.of(431), "malformed HTTP request"),
                berth("OversizedHeader", raw("GET /v1/version HTTP/1.1\r\nHost: b\r\nX-Big: " + "b".repeat(20_000)
                        + "\r\n\r\n"), Set.of(431), "malformed HTTP request"),
                berth("OversizedRequestLine", raw("GET /v1/containers/" + "a".repeat(10_000)
                        + " HTTP/1.1\r\nHost: b\r\n\r\n"), Set.of(414), "malformed HTTP request"),
                berth("ContentLengthNotANumber", raw("POST /v1/images/tag HTTP/1.1\r\nHost: b\r\n"
                        + "Content-Length: lots\r\n\r\n{}"), Set.of(400), "malformed HTTP request"),
                // The Docker API
                docker("HugeBodyDeclared", post("/containers/create", HUGE, false), Set.of(413), "larger than"),
                docker("HugeBodyChunked", post("/containers/create", HUGE, true), Set.of(413), "larger than"),
                docker("BadJson", post("/containers/create", "{\"Image\":"), Set.of(400), "not a JSON object"),
                docker("ImageIsANumber", post("/containers/create", "{\"Image\":5}"), Set.of(400), "Image"),
                docker("NameTraversal", post("/containers/create?name=..%2F..%2Fetc%2Fpasswd", "{\"Image\":\"" + image
                        + "\"}"), Set.of(400), ""),
                docker("IdDotDotSegments", get("/containers/../../etc/passwd/json"), Set.of(400), ". or .."),
                docker("IdEncodedDotDot", get("/containers/%2e%2e/json"), Set.of(400), ". or .."),
                docker("IdEncodedTraversal", get("/containers/..%2f..%2fetc%2fpasswd/json"), Set.of(400, 404), ""),
                docker("IdNul", get("/containers/a%00b/json"), Set.of(400), "NUL"),
                docker("ExecCmdWrongType", post("/containers/nope/exec", "{\"Cmd\":\"ls\"}"), Set.of(400, 404), ""),
                docker("VersionTooOld", get("/v1.0/version"), Set.of(400), "too old"),
                docker("UnknownEndpoint", get("/nope"), Set.of(501), "does not implement"),
                docker("WrongMethodOnPing", raw("DELETE /_ping HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n"),
                        Set.of(501), "does not implement"),
                docker("HeaderFlood", raw("GET /_ping HTTP/1.1\r\nHost: b\r\n" + "X-Flood: 0123456789\r\n".repeat(8000)
                        + "\r\n"), Set.of(431), ""),
                docker("OversizedRequestLine", raw("GET /containers/" + "a".repeat(70_000)
                        + "/json HTTP/1.1\r\nHost: b\r\n\r\n"), Set.of(414), ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void malformedRequestIsRefusedAndChangesNothing(Case c) throws Exception {
        int containersBefore = containers(true).size();
        Reply reply = send(c.api(), c.head(), c.body());
        if (c.knownBug() != null) {
            assertUnharmed(containersBefore);
            try {
                checkAnswer(c, reply);
            } catch (AssertionError stillBroken) {
                System.out.println("SKIPPED " + c.api() + ": known bug: " + c.knownBug() + "; got " + reply);
                assumeTrue(false, "known bug: " + c.knownBug());
            }
            throw new AssertionError("the known bug \"" + c.knownBug() + "\" is fixed: drop it from the table");
        }
        checkAnswer(c, reply);
        assertUnharmed(containersBefore);
    }

    private static void checkAnswer(Case c, Reply reply) {
        assertTrue(c.statuses().contains(reply.status()), "expected " + c.statuses() + ", got " + reply);
        JsonNode error = jsonError(c.api(), reply);
        for (String fragment : c.mentions()) {
            assertTrue(error.path("message").asText().contains(fragment), "\"" + fragment + "\" not in " + reply);
        }
    }

    /**
     * Creates containers until two ids share their first hex digit (at most 17 by the pigeonhole principle), then
     * asks both APIs for that one-character prefix: 409 naming both.
     */
    @Test
    void anIdPrefixMatchingTwoContainersIsAConflictNamingBoth() throws Exception {
        Map<Character, String> byFirst = new HashMap<>();
        List<String> shared = null;
        List<String> created = new ArrayList<>();
        try {
            for (int i = 0; i < 17 && shared == null; i++) {
                UnixHttp.Response r = daemon.http().post("/v1/containers", "{\"image\":\"" + image() + "\"}");
                assertEquals(201, r.status(), r.body());
                String id = JSON.readTree(r.body()).path("id").asText();
                created.add(id);
                String earlier = byFirst.putIfAbsent(id.charAt(0), id);
                if (earlier != null) {
                    shared = List.of(earlier, id);
                }
            }
            assertTrue(shared != null, "17 ids without a shared first digit: " + created);
            String prefix = shared.get(0).substring(0, 1);
            for (Api api : Api.values()) {
                String target = api == Api.BERTH ? "/v1/containers/" + prefix : "/containers/" + prefix + "/json";
                Reply reply = send(api, get(target));
                assertEquals(409, reply.status(), api + ": " + reply);
                String message = jsonError(api, reply).path("message").asText();
                for (String id : shared) {
                    assertTrue(message.contains(id.substring(0, 12)), api + ": " + id + " not named in " + message);
                }
            }
            assertUnharmed(containers(true).size());
        } finally {
            for (String id : created) {
                daemon.http().exchange("DELETE", "/v1/containers/" + id + "?force=1", null, null);
            }
        }
    }

    // ---- checks --------------------------------------------------------------------------------------------

    private static JsonNode jsonError(Api api, Reply reply) {
        JsonNode error;
        try {
            error = JSON.readTree(reply.body());
        } catch (IOException e) {
            throw new AssertionError("not a JSON error: " + reply, e);
        }
        assertTrue(error != null && error.path("message").isTextual() && !error.path("message").asText().isBlank(),
                "no message in " + reply);
        if (api == Api.BERTH) {
            assertTrue(error.path("kind").isTextual(), "no kind in " + reply);
        }
        return error;
    }

    /** Nothing outside the state root, no container created, and both APIs still answer. */
    private static void assertUnharmed(int containersBefore) throws Exception {
        assertEquals(baseEntries, entries(base), "the test folder around the state root changed");
        assertEquals(passwd, sha256(Path.of("/etc/passwd")), "/etc/passwd changed");
        assertEquals(containersBefore, containers(true).size(), "a refused request created a container");
        Reply version = send(Api.BERTH, get("/v1/version"));
        assertEquals(200, version.status(), "GET /v1/version after the case: " + version);
        Reply ping = send(Api.DOCKER, get("/_ping"));
        assertEquals(200, ping.status(), "GET /_ping after the case: " + ping);
        Reply berthPing = send(Api.BERTH, get("/_ping"));
        assertEquals(200, berthPing.status(), "Berth GET /_ping after the case: " + berthPing);
    }

    private static Set<String> entries(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return new TreeSet<>(list.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    // ---- the table -----------------------------------------------------------------------------------------

    /** A raw request: its head, and a body (or null). */
    record Request(byte[] head, byte[] body) {
    }

    private static Arguments berth(String name, Request request, Set<Integer> statuses, String... mentions) {
        return Arguments.of(Named.of("Berth" + name, new Case(Api.BERTH, request.head(), request.body(), statuses,
                List.of(mentions), null)));
    }

    private static Arguments docker(String name, Request request, Set<Integer> statuses, String... mentions) {
        Case c = new Case(Api.DOCKER, request.head(), request.body(), statuses,
                List.of(mentions).stream().filter(m -> !m.isEmpty()).toList(), null);
        String bug = DOCKER_KNOWN_BUGS.get(name);
        return Arguments.of(Named.of("Docker" + name, bug == null ? c : c.knownBug(bug)));
    }

    /** Cases of the Docker API whose answer breaks the contract, by case name: reported, not fixed here. */
    private static final Map<String, String> DOCKER_KNOWN_BUGS = Map.of();

    private static Request get(String target) {
        return raw("GET " + target + " HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");
    }

    private static Request post(String target, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return new Request(("POST " + target + " HTTP/1.1\r\nHost: b\r\nConnection: close\r\nContent-Type: "
                + "application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                body);
    }

    /** A POST of {@code size} bytes of JSON-ish filler, with Content-Length or chunked. */
    private static Request post(String target, int size, boolean chunked) {
        byte[] filler = new byte[size];
        java.util.Arrays.fill(filler, (byte) 'a');
        filler[0] = '"';
        byte[] body = chunked ? chunk(filler) : filler;
        return new Request(("POST " + target + " HTTP/1.1\r\nHost: b\r\nConnection: close\r\nContent-Type: "
                + "application/json\r\n" + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + size)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body);
    }

    private static Request raw(String text) {
        return new Request(text.getBytes(StandardCharsets.ISO_8859_1), null);
    }

    private static byte[] chunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + body.length / 8192 * 16 + 16);
        for (int at = 0; at < body.length; at += 65536) {
            int n = Math.min(65536, body.length - at);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, at, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    // ---- a raw client with a timeout ------------------------------------------------------------------------

    /** One answer: status and body. */
    record Reply(int status, String body) {
        @Override
        public String toString() {
            String shown = body.length() > 300 ? body.substring(0, 300) + "..." : body;
            return status + " " + shown.strip();
        }
    }

    private static Reply send(Api api, Request request) throws Exception {
        return send(api, request.head(), request.body());
    }

    /**
     * Sends the head, then the body from another thread (so an early refusal is read while the rest is still being
     * sent, and a server that stops reading cannot block the test), and reads the answer within the timeout.
     */
    private static Reply send(Api api, byte[] head, byte[] body) throws Exception {
        Path socket = api == Api.BERTH ? daemon.socket() : daemon.dockerSocket();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            io.submit(() -> {
                try {
                    write(channel, head);
                    if (body != null) {
                        write(channel, body);
                    }
                } catch (IOException refusedEarly) {
                    // the server answered and hung up before taking the whole request
                }
                return null;
            });
            Future<Reply> reply = io.submit(() -> read(Channels.newInputStream(channel)));
            try {
                return reply.get(ANSWER_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError(api + ": no answer within " + ANSWER_SECONDS + " s");
            } catch (ExecutionException e) {
                throw new AssertionError(api + ": " + e.getCause(), e.getCause());
            }
        }
    }

    private static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static Reply read(InputStream in) throws IOException {
        UnixHttp.Response response = UnixHttp.read(in);
        return new Reply(response.status(), response.body());
    }
}
