package dev.berth.apiserver.impl;

import dev.berth.api.testing.Tries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property-based tests of the API server's request parsing ({@link ApiServer#withBody}, {@link ContainerBodies},
 * {@link ContainerPath} and the query checks) against a real {@link ApiServer} on a Unix socket, with a stand-in
 * engine on every bus address it asks that records each order and answers {@code {}}. Requests are sent as raw
 * bytes, each under a timeout. It proves:
 * <ul>
 *   <li>each endpoint's valid body (from the table below) reaches the engine, and the same body with one field
 *       given a value of the wrong type or an invalid value is refused with 400 and a JSON error
 *       {@code {"message", "kind": "invalid"}} whose message names that field by its path
 *       ({@code options.volumes[0].source}), before anything reaches the engine; an unknown field likewise;</li>
 *   <li>arbitrary bodies (random JSON trees, mutated valid bodies, deep nesting, huge numbers and strings, bodies
 *       over the 64 KiB limit, invalid UTF-8, chunked or not) to every body endpoint, and arbitrary methods,
 *       container ids, actions and queries (dot segments, {@code %2e%2e}, NUL, encoded slashes, broken escapes,
 *       long and repeated parameters) are answered with a 2xx that reached the engine or a 4xx with that JSON
 *       error; never a 5xx and never silence;</li>
 *   <li>malformed HTTP (request lines and headers over the limits, header floods, bad Content-Length, bad chunk
 *       sizes, an unknown HTTP version) is answered with a 4xx and the same JSON error, and the server answers
 *       normally afterwards.</li>
 * </ul>
 * {@code /v1/events} is left out: it streams from the event log, which this server has none of.
 */
class RequestFuzzTest {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    private static final List<String> ADDRESSES = List.of(BusAddresses.ENGINE_INFO, BusAddresses.ENGINE_PLUGINS,
            BusAddresses.ENGINE_PLUGIN, BusAddresses.ENGINE_AUDIT_VERIFY, BusAddresses.ENGINE_AUDIT,
            BusAddresses.ENGINE_NOTE, BusAddresses.ENGINE_PULL, BusAddresses.ENGINE_IMAGES,
            BusAddresses.ENGINE_IMAGE_INSPECT, BusAddresses.ENGINE_IMAGE_TAG, BusAddresses.ENGINE_IMAGE_REMOVE,
            BusAddresses.ENGINE_IMAGE_PRUNE, BusAddresses.ENGINE_LOAD, BusAddresses.ENGINE_SAVE,
            BusAddresses.ENGINE_IMPORT, BusAddresses.ENGINE_PUSH, BusAddresses.ENGINE_LOGIN,
            BusAddresses.ENGINE_CONTAINERS);

    @TempDir
    static Path folder;
    private static Vertx vertx;
    private static ApiServer server;
    private static Path socket;
    private static ExecutorService io;
    private static final List<String> ORDERS = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Path log = Files.writeString(folder.resolve("c.log"), "");
        for (String address : ADDRESSES) {
            vertx.eventBus().<String>consumer(address, message -> {
                ORDERS.add(address + " " + message.body());
                boolean logs = message.body().contains("\"op\":\"logs\"");
                message.reply(logs ? new JsonObject().put("logPath", log.toString()).put("running", false).encode()
                        : "{}");
            }).completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        server = new ApiServer(vertx, null, "fuzz");
        socket = folder.resolve("berth.sock");
        server.start(socket, null, null);
        io = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "request-fuzz-io");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (io != null) {
            io.shutdownNow();
        }
    }

    @BeforeEach
    void clearOrders() {
        ORDERS.clear();
    }

    // ---- the endpoint table --------------------------------------------------------------------------------

    /** What a field holds, which decides the wrong values tried for it. */
    enum Kind {
        STRING, OPTIONAL_STRING, ANY_STRING, BOOL, STRINGS, NON_EMPTY_STRINGS, LIST, REFERENCES, ENV, ABSOLUTE, REFERENCE, PLATFORM,
        CONTAINER_NAME, RUNTIME, HOSTNAME, RELABEL, OPTIONS, VOLUMES, ISOLATION, NOTE, SUBJECT, IMAGE
    }

    /** A body endpoint: a valid body, and its fields by path ({@code options.volumes[0].source}) and kind. */
    record Endpoint(String path, String valid, Map<String, Kind> fields) {
        JsonObject body() {
            return new JsonObject(valid);
        }
    }

    private static Map<String, Kind> fields(Object... pairs) {
        Map<String, Kind> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put((String) pairs[i], (Kind) pairs[i + 1]);
        }
        return out;
    }

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("/v1/containers", """
                    {"image":"busybox","name":"web","autoRemove":true,"options":{"command":["sh"],
                     "entrypoint":["/bin/sh","-c"],"env":["A=1"],"workingDir":"/tmp","user":"1000:1000",
                     "hostname":"box","readOnly":false,"volumes":[{"source":"/srv","target":"/data","readOnly":true,
                     "relabel":"z"}],"tty":false,"stdin":false,"runtime":"runc","isolation":{"cap-add":["NET_ADMIN"]}}}""",
                    fields("image", Kind.IMAGE, "name", Kind.CONTAINER_NAME, "autoRemove", Kind.BOOL,
                            "options", Kind.OPTIONS, "options.command", Kind.STRINGS,
                            "options.entrypoint", Kind.STRINGS, "options.env", Kind.ENV,
                            "options.workingDir", Kind.ABSOLUTE, "options.user", Kind.OPTIONAL_STRING,
                            "options.hostname", Kind.HOSTNAME, "options.readOnly", Kind.BOOL,
                            "options.volumes", Kind.VOLUMES, "options.volumes[0].source", Kind.ABSOLUTE,
                            "options.volumes[0].target", Kind.ABSOLUTE, "options.volumes[0].readOnly", Kind.BOOL,
                            "options.volumes[0].relabel", Kind.RELABEL, "options.tty", Kind.BOOL,
                            "options.stdin", Kind.BOOL, "options.runtime", Kind.RUNTIME,
                            "options.isolation", Kind.ISOLATION)),
            new Endpoint("/v1/containers/web/exec", """
                    {"args":["ls","-l"],"env":["A=1"],"workingDir":"/","user":"root","tty":false,"stdin":false,
                     "detach":false}""",
                    fields("args", Kind.NON_EMPTY_STRINGS, "env", Kind.ENV, "workingDir", Kind.ABSOLUTE,
                            "user", Kind.OPTIONAL_STRING, "tty", Kind.BOOL, "stdin", Kind.BOOL, "detach", Kind.BOOL)),
            new Endpoint("/v1/images/pull", """
                    {"reference":"busybox:1.36","platform":"linux/amd64","insecure":["127.0.0.1:5000"]}""",
                    fields("reference", Kind.REFERENCE, "platform", Kind.PLATFORM, "insecure", Kind.LIST)),
            new Endpoint("/v1/images/tag", "{\"source\":\"busybox\",\"target\":\"mine:1\"}",
                    fields("source", Kind.STRING, "target", Kind.STRING)),
            new Endpoint("/v1/auth", "{\"registry\":\"127.0.0.1:5000\",\"username\":\"u\",\"password\":\"p\"}",
                    fields("registry", Kind.STRING, "username", Kind.STRING, "password", Kind.STRING)),
            new Endpoint("/v1/notes", "{\"message\":\"hello\",\"subject\":\"web\"}",
                    fields("message", Kind.NOTE, "subject", Kind.SUBJECT)),
            new Endpoint("/v1/images/push", "{\"reference\":\"127.0.0.1:5000/a:1\",\"insecure\":[]}",
                    fields("reference", Kind.REFERENCE, "insecure", Kind.LIST)),
            new Endpoint("/v1/images/import", """
                    {"file":"/tmp/a.tar","source":"-","reference":"mine:1","changes":["CMD [\\"sh\\"]"],
                     "message":"m","platform":"linux/amd64"}""",
                    fields("file", Kind.ABSOLUTE, "source", Kind.OPTIONAL_STRING, "reference", Kind.OPTIONAL_STRING,
                            "changes", Kind.LIST, "message", Kind.ANY_STRING, "platform", Kind.OPTIONAL_STRING)),
            new Endpoint("/v1/images/load", "{\"archive\":\"/tmp/a.tar\"}", fields("archive", Kind.ABSOLUTE)),
            new Endpoint("/v1/images/save", "{\"references\":[\"busybox\"],\"target\":\"/tmp/o.tar\",\"format\":\"oci\"}",
                    fields("references", Kind.REFERENCES, "target", Kind.ABSOLUTE,
                            "format", Kind.OPTIONAL_STRING)),
            new Endpoint("/v1/runtimes/default", "{\"name\":\"crun\"}", fields("name", Kind.RUNTIME)),
            new Endpoint("/v1/plugins/install", "{\"file\":\"/tmp/p.jar\",\"use\":true}",
                    fields("file", Kind.ABSOLUTE, "use", Kind.BOOL)),
            new Endpoint("/v1/plugins/stop", "{\"id\":\"p\",\"force\":false}",
                    fields("id", Kind.STRING, "force", Kind.BOOL)),
            new Endpoint("/v1/plugins/use", "{\"id\":\"p\",\"stage\":\"pull\"}",
                    fields("id", Kind.STRING, "stage", Kind.OPTIONAL_STRING)),
            new Endpoint("/v1/containers/web/commit", """
                    {"reference":"mine:2","comment":"c","author":"a","changes":["ENV A=1"],"pause":true}""",
                    fields("reference", Kind.OPTIONAL_STRING, "comment", Kind.ANY_STRING, "author", Kind.ANY_STRING,
                            "changes", Kind.LIST, "pause", Kind.BOOL)),
            new Endpoint("/v1/containers/web/export", "{\"target\":\"/tmp/e.tar\"}", fields("target", Kind.ABSOLUTE)));

    /** Values no field of {@code kind} may hold. */
    private static List<Object> wrongValues(Kind kind) {
        List<Object> wrongType = List.of(5, 1.5, true, new JsonArray(), new JsonObject().put("a", 1));
        List<Object> out = new ArrayList<>(switch (kind) {
            case BOOL -> List.of("true", 1, 0, "yes", new JsonArray(), new JsonObject());
            case STRINGS, NON_EMPTY_STRINGS, ENV -> List.of("a", 5, new JsonObject(), new JsonArray().add(5),
                    new JsonArray().addNull(), new JsonArray().add(true), new JsonArray().add(new JsonArray()),
                    new JsonArray().add("nul\0byte"));
            case LIST, REFERENCES -> List.of("a", 5, new JsonObject(), new JsonArray().add(5),
                    new JsonArray().addNull(), new JsonArray().add(true), new JsonArray().add(new JsonArray()));
            case OPTIONS, ISOLATION -> List.of("x", 5, true, new JsonArray());
            case VOLUMES -> List.of("x", new JsonObject(), new JsonArray().add("/a:/b"),
                    new JsonArray().add(new JsonObject().put("source", "rel").put("target", "/d")),
                    new JsonArray().add(new JsonObject().put("source", "/s").put("target", "/d").put("rw", 1)));
            default -> wrongType;
        });
        switch (kind) {
            case STRING, OPTIONAL_STRING -> out.addAll(List.of("", " ", "\t"));
            case NON_EMPTY_STRINGS, REFERENCES -> out.add(new JsonArray());
            case ENV -> out.addAll(List.of(new JsonArray().add("NOEQUALS"), new JsonArray().add("=v")));
            case ABSOLUTE -> out.addAll(List.of("relative/path", "", " ", "a/../b"));
            case REFERENCE -> out.addAll(List.of("UPPER", "a b", ":", "", "busybox@sha256:abc", "a//b"));
            case PLATFORM -> out.addAll(List.of("linux", "a/b/c/d", "/", "linux/"));
            case CONTAINER_NAME -> out.addAll(List.of("a/b", "-x", "x", "ü", "x".repeat(129), "a b"));
            case RUNTIME -> out.addAll(List.of("../runc", "a b", "", "-x"));
            case HOSTNAME -> out.addAll(List.of("-bad", "a_b", "x".repeat(64), "a b"));
            case RELABEL -> out.addAll(List.of("q", "zz", ""));
            case ISOLATION -> out.addAll(List.of(new JsonObject().put("../cap", new JsonArray().add("x")),
                    new JsonObject().put("cap-add", "x"), new JsonObject().put("cap-add", new JsonArray().add(5))));
            case NOTE -> out.addAll(List.of("", " ", "x".repeat(4097)));
            case SUBJECT -> out.addAll(List.of("", " ", "x".repeat(257), "a\nb", "a\0b"));
            case IMAGE -> out.addAll(List.of("", " ", "\t", "a b", "x".repeat(513)));
            default -> {
            }
        }
        return out;
    }

    @Test
    void everyValidBodyReachesTheEngine() throws Exception {
        for (Endpoint endpoint : ENDPOINTS) {
            ORDERS.clear();
            Reply reply = post(endpoint.path(), endpoint.valid().getBytes(StandardCharsets.UTF_8), false);
            assertTrue(reply.status() >= 200 && reply.status() < 300, endpoint.path() + ": " + reply);
            assertEquals(1, ORDERS.size(), endpoint.path() + ": " + ORDERS);
        }
    }

    @Test
    void oneWrongFieldIsRefusedNamingIt() {
        Tries.check("apiserver.one-wrong-field", 800, Duration.ofSeconds(2), (random, i) -> {
            ORDERS.clear();
            Endpoint endpoint = ENDPOINTS.get(random.nextInt(ENDPOINTS.size()));
            List<String> paths = new ArrayList<>(endpoint.fields().keySet());
            String path = paths.get(random.nextInt(paths.size()));
            List<Object> wrong = wrongValues(endpoint.fields().get(path));
            Object value = wrong.get(random.nextInt(wrong.size()));
            JsonObject body = endpoint.body();
            set(body, path, value);
            String what = endpoint.path() + " with " + path + " = " + shorten(String.valueOf(value));
            Reply reply = post(endpoint.path(), body.encode().getBytes(StandardCharsets.UTF_8), false);
            assertEquals(400, reply.status(), what + ": " + reply);
            JsonObject error = assertJsonError(reply, what);
            assertEquals("invalid", error.getString("kind"), what);
            String named = path.replaceAll("\\[\\d+]$", "");
            assertTrue(error.getString("message").contains(named), "the message does not name " + named + " for "
                    + what + ": " + error.getString("message"));
            assertEquals(List.of(), ORDERS, what + " reached the engine");
        });
    }

    @Test
    void unknownFieldsAreRefusedNamingThem() {
        Tries.check("apiserver.unknown-field", 200, Duration.ofSeconds(1), (random, i) -> {
            ORDERS.clear();
            Endpoint endpoint = ENDPOINTS.get(random.nextInt(ENDPOINTS.size()));
            String field = pick(random, "cmd", "Image", "__proto__", "options2", "", " ", "ü", "a.b", "x".repeat(300));
            JsonObject body = endpoint.body().put(field, random.nextBoolean() ? "x" : null);
            Reply reply = post(endpoint.path(), body.encode().getBytes(StandardCharsets.UTF_8), false);
            assertEquals(400, reply.status(), endpoint.path() + " + " + field + ": " + reply);
            assertTrue(assertJsonError(reply, field).getString("message").contains("unknown field"), reply.body());
            assertEquals(List.of(), ORDERS);
        });
    }

    @Test
    void arbitraryBodiesGetA2xxOrAJsonClientError() {
        Tries.check("apiserver.arbitrary-bodies", 600, Duration.ofSeconds(2), (random, i) -> {
            ORDERS.clear();
            Endpoint endpoint = ENDPOINTS.get(random.nextInt(ENDPOINTS.size()));
            byte[] body = arbitraryBody(random, endpoint);
            boolean chunked = random.nextInt(4) == 0;
            String what = endpoint.path() + (chunked ? " chunked" : "") + " body " + shorten(
                    new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8)) + " (" + body.length
                    + " bytes)";
            Reply reply = post(endpoint.path(), body, chunked);
            assertAnswered(reply, what);
        });
    }

    @Test
    void arbitraryMethodsPathsAndQueriesGetA2xxOrAJsonClientError() {
        Tries.check("apiserver.arbitrary-targets", 800, Duration.ofSeconds(2), (random, i) -> {
            ORDERS.clear();
            String method = pick(random, "GET", "GET", "POST", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS",
                    "BREW");
            String target = arbitraryTarget(random);
            boolean withBody = method.equals("POST") && random.nextBoolean();
            byte[] body = withBody ? "{}".getBytes(StandardCharsets.UTF_8) : null;
            Reply reply = send(request(method, target, body, false), body, method.equals("HEAD"));
            assertAnswered(reply, method + " " + shorten(target));
        });
    }

    /**
     * One malformed request: its raw bytes, the status expected, and why the answer has no JSON body when it has
     * none (null: it must have one).
     */
    record Raw(byte[] bytes, int status, String noJsonBecause) {
    }

    static Stream<Arguments> malformedHttp() {
        return Stream.of(
                raw("RequestLineTooLong", "GET /v1/containers/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: b\r\n\r\n",
                        414),
                raw("OneHeaderTooLarge", "GET /v1/version HTTP/1.1\r\nHost: b\r\nX-Big: " + "b".repeat(20_000)
                        + "\r\n\r\n", 431),
                raw("HeaderFlood", "GET /v1/version HTTP/1.1\r\nHost: b\r\n" + "X-Flood: 0123456789\r\n".repeat(2000)
                        + "\r\n", 431),
                raw("ContentLengthNotANumber", "POST /v1/images/tag HTTP/1.1\r\nHost: b\r\nContent-Length: abc\r\n\r\n{}",
                        400),
                raw("ContentLengthNegative", "POST /v1/images/tag HTTP/1.1\r\nHost: b\r\nContent-Length: -5\r\n\r\n{}",
                        400),
                raw("ContentLengthTwice", "POST /v1/images/tag HTTP/1.1\r\nHost: b\r\nContent-Length: 2\r\n"
                        + "Content-Length: 3\r\n\r\n{}", 400),
                // Vert.x closes the connection when a chunk cannot be decoded, before any answer can be written:
                // documented here (the client sees the connection close at once, never a hang).
                Arguments.of(Named.of("BadChunkSize", new Raw(("POST /v1/images/tag HTTP/1.1\r\nHost: b\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                        HANGS_UP, "Vert.x hangs up on an undecodable chunk"))),
                raw("DeclaredHugeBody", "POST /v1/containers HTTP/1.1\r\nHost: b\r\nContent-Length: 67108864\r\n\r\n{",
                        413),
                // Vert.x answers an HTTP version it does not speak itself, before any handler runs, with 501 and no
                // body (RFC 9110 gives 505, also a 5xx): documented here, not a Berth answer.
                Arguments.of(Named.of("UnknownHttpVersion", new Raw("GET /v1/version HTTP/9.9\r\nHost: b\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1), 501, "Vert.x refuses the version before any handler"))),
                raw("ControlCharacterInMethod", "GE\u0001T /v1/version HTTP/1.1\r\nHost: b\r\n\r\n", 400),
                raw("SpaceInTarget", "GET /v1/containers/a b HTTP/1.1\r\nHost: b\r\n\r\n", 400));
    }

    private static Arguments raw(String name, String text, int status) {
        return Arguments.of(Named.of(name, new Raw(text.getBytes(StandardCharsets.ISO_8859_1), status, null)));
    }

    /** The expected status of a case that the server answers by closing the connection at once. */
    static final int HANGS_UP = -1;

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHttp")
    void malformedHttpIsRefusedWithAJsonError(Raw raw) throws Exception {
        Reply reply;
        try {
            reply = send(raw.bytes(), null, false);
        } catch (java.util.concurrent.ExecutionException e) {
            assertEquals(HANGS_UP, raw.status(), "no answer: " + e.getCause());
            reply = null;
        }
        if (raw.status() == HANGS_UP) {
            assertEquals(null, reply, "expected the server to hang up");
            assertEquals(200, send(request("GET", "/v1/version", null, false), null, false).status());
            return;
        }
        assertEquals(raw.status(), reply.status(), reply.toString());
        if (raw.noJsonBecause() == null) {
            assertJsonError(reply, "malformed request");
        }
        assertEquals(List.of(), ORDERS);
        Reply version = send(request("GET", "/v1/version", null, false), null, false);
        assertEquals(200, version.status(), "the server still answers: " + version);
    }

    // ---- generators ----------------------------------------------------------------------------------------

    private static final String[] STRINGS = {"", " ", "a", "busybox", "/abs", "rel", "ü", "😀", "\u0000", "\n",
        "A=1", "../../etc/passwd", "%2e%2e", "x".repeat(5000), "\uD800", "null", "true", "{}", "[]"};

    private static byte[] arbitraryBody(Random random, Endpoint endpoint) {
        return switch (random.nextInt(8)) {
            case 0 -> {
                byte[] junk = new byte[random.nextInt(300)];
                random.nextBytes(junk);
                yield junk;
            }
            case 1 -> pick(random, "null", "true", "1", "\"x\"", "[]", "", " ", "{", "}", "[{}]", "{\"a\":1,\"a\":2}",
                    "[".repeat(3000) + "]".repeat(3000), "{\"a\":".repeat(3000) + "1" + "}".repeat(3000),
                    "{\"image\":1e999999}", "{\"image\":" + "9".repeat(2000) + "}", "\uFEFF{}", "{\"image\":\"\\ud800\"}")
                    .getBytes(StandardCharsets.UTF_8);
            case 2 -> mutateText(random, endpoint.valid()).getBytes(StandardCharsets.UTF_8);
            case 3 -> {
                JsonObject body = endpoint.body();
                body.put(endpoint.fields().keySet().iterator().next(), "x".repeat(65_536));
                yield body.encode().getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                JsonObject body = new JsonObject();
                List<String> keys = new ArrayList<>(endpoint.fields().keySet().stream()
                        .filter(k -> !k.contains(".")).toList());
                int n = random.nextInt(6);
                for (int k = 0; k < n; k++) {
                    String key = random.nextInt(6) == 0 ? pick(random, STRINGS) : keys.get(random.nextInt(keys.size()));
                    body.put(key, randomJson(random, 3));
                }
                yield body.encode().getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    private static Object randomJson(Random random, int depth) {
        int kind = random.nextInt(depth <= 0 ? 6 : 8);
        return switch (kind) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> pick(random, 0, -1, 1L << 53, Long.MAX_VALUE, 1.5, -0.0, Double.MAX_VALUE);
            case 3, 4, 5 -> pick(random, STRINGS);
            case 6 -> {
                JsonArray a = new JsonArray();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    a.add(randomJson(random, depth - 1));
                }
                yield a;
            }
            default -> {
                JsonObject o = new JsonObject();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    o.put(pick(random, "source", "target", "readOnly", "cap-add", "command", "env", "x", ""),
                            randomJson(random, depth - 1));
                }
                yield o;
            }
        };
    }

    private static String mutateText(Random random, String text) {
        StringBuilder s = new StringBuilder(text);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && s.length() > 0; e++) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(3)) {
                case 0 -> s.deleteCharAt(at);
                case 1 -> s.insert(at, pick(random, "{", "}", "[", "]", "\"", ",", ":", "\\", "0", "null", "\u0000"));
                default -> s.setLength(at);
            }
        }
        return s.toString();
    }

    private static final String[] IDS = {"web", "0123abcd", "..", ".", "%2e%2e", "%2E%2e", "a%2Fb", "%00", "a%00b",
        "%zz", "%", "%c0%af", "ü", "%C3%BC", "a+b", "%20", "x".repeat(200), "..%2f..%2fetc%2fpasswd", "%2e", "-",
        "~", "*", "a;b", "a%0Ab"};
    private static final String[] ACTIONS = {"", "start", "stop", "restart", "kill", "wait", "exec", "top", "logs",
        "caps", "changes", "commit", "export", "attach", "pause", "..", "%2e%2e", "start/extra", "json"};
    private static final String[] QUERIES = {"", "t=5", "t=-1", "t=soon", "t=99999999999999999999", "signal=TERM",
        "signal=%00", "signal=9999", "all=1", "all=maybe", "force=1", "force=1&force=0", "tail=all", "tail=-3",
        "since=yesterday", "since=2026-01-01T00:00:00Z", "follow=0", "id=a&id=b", "%zz=1", "a=%zz", "=", "&&",
        "x=" + "y".repeat(3000), "grace=10", "grace=-1", "reference=busybox", "reference=", "target=x", "what=c",
        "at=%231", "at=@abc", "from=0", "from=1", "before=5", "file=%2Ftmp%2Fx", "payload=2"};
    private static final String[] TOP = {"/_ping", "/v1/version", "/v1/info", "/v1/plugins", "/v1/notes",
        "/v1/audit/verify", "/v1/history", "/v1/audit/at", "/v1/audit/replay", "/v1/audit/export",
        "/v1/audit/archive", "/v1/images", "/v1/images/tag", "/v1/auth", "/v1/images/prune", "/v1/images/load",
        "/v1/images/save", "/v1/images/inspect", "/v1/images/pull", "/v1/images/push", "/v1/images/import",
        "/v1/runtimes", "/v1/stats", "/v1/runtimes/default", "/v1/plugins/install", "/v1/plugins/%2e%2e",
        "/v1/plugins/", "/v1/nope", "/v2/version", "//v1/version", "/v1/../v1/version", "/V1/VERSION", "/",
        "/v1/containers", "/v1/containers/", "/v1/containers//start"};

    private static String arbitraryTarget(Random random) {
        String path = random.nextInt(3) == 0 ? pick(random, TOP)
                : "/v1/containers/" + pick(random, IDS) + (random.nextBoolean() ? "" : "/" + pick(random, ACTIONS));
        String query = pick(random, QUERIES);
        if (random.nextInt(4) == 0) {
            query = query + "&" + pick(random, QUERIES);
        }
        return query.isEmpty() ? path : path + "?" + query;
    }

    // ---- checks --------------------------------------------------------------------------------------------

    /** A 2xx that reached the engine, or a 4xx with a JSON error; never a 5xx. */
    private static void assertAnswered(Reply reply, String what) {
        assertTrue(reply.status() < 500, "a server error for " + what + ": " + reply);
        if (reply.status() >= 400) {
            assertTrue(reply.status() < 500, what + ": " + reply);
            if (!reply.head()) {
                assertJsonError(reply, what);
            }
        } else {
            assertTrue(reply.status() >= 200 && reply.status() < 300, what + ": " + reply);
        }
    }

    private static JsonObject assertJsonError(Reply reply, String what) {
        JsonObject error;
        try {
            error = new JsonObject(reply.body());
        } catch (DecodeException | ClassCastException e) {
            throw new AssertionError("not a JSON error for " + what + ": " + reply, e);
        }
        assertTrue(error.getValue("message") instanceof String m && !m.isBlank(), "no message for " + what + ": "
                + reply);
        assertTrue(error.getValue("kind") instanceof String, "no kind for " + what + ": " + reply);
        return error;
    }

    /** Sets the value at {@code path} ({@code a.b[0].c}) in {@code body}. */
    private static void set(JsonObject body, String path, Object value) {
        String[] parts = path.split("\\.");
        Object cur = body;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            int bracket = part.indexOf('[');
            String key = bracket < 0 ? part : part.substring(0, bracket);
            boolean last = i == parts.length - 1;
            JsonObject object = (JsonObject) cur;
            if (bracket < 0) {
                if (last) {
                    object.put(key, value);
                } else {
                    cur = object.getValue(key);
                }
            } else {
                int index = Integer.parseInt(part.substring(bracket + 1, part.length() - 1));
                JsonArray array = object.getJsonArray(key);
                if (last) {
                    array.set(index, value);
                } else {
                    cur = array.getValue(index);
                }
            }
        }
    }

    // ---- a raw HTTP/1.1 client over the Unix socket ----------------------------------------------------------

    /** One answer: status, headers as received, body (de-chunked), and whether it was a HEAD request. */
    record Reply(int status, String headers, String body, boolean head) {
        @Override
        public String toString() {
            return status + " " + shorten(body);
        }
    }

    private static Reply post(String path, byte[] body, boolean chunked) throws Exception {
        return send(request("POST", path, body, chunked), chunked ? chunk(body) : body, false);
    }

    private static byte[] request(String method, String target, byte[] body, boolean chunked) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target)
                .append(" HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\n").append(chunked ? "Transfer-Encoding: chunked"
                    : "Content-Length: " + body.length).append("\r\n");
        }
        return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] chunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int at = 0; at < body.length; at += 1000) {
            int n = Math.min(1000, body.length - at);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, at, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /**
     * Sends the head and body (the body from another thread, so an early answer is read even while the server
     * refuses the rest) and reads the answer; fails when none comes within the timeout.
     */
    private static Reply send(byte[] head, byte[] body, boolean isHead) throws Exception {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try (channel) {
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
            Future<Reply> reply = io.submit(() -> read(Channels.newInputStream(channel), isHead));
            try {
                return reply.get(ANSWER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("no answer within " + ANSWER_TIMEOUT);
            }
        }
    }

    private static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static Reply read(InputStream in, boolean isHead) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2) {
            throw new IOException("no HTTP answer, got: \"" + shorten(statusLine) + "\"");
        }
        int status = Integer.parseInt(parts[1]);
        StringBuilder headers = new StringBuilder();
        boolean chunked = false;
        long length = -1;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            headers.append(header).append('\n');
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("content-length:")) {
                length = Long.parseLong(header.substring(header.indexOf(':') + 1).trim());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (isHead) {
            // no body follows a HEAD answer
        } else if (chunked) {
            while (true) {
                int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    break;
                }
                out.write(in.readNBytes(size));
                line(in);
            }
        } else if (length >= 0) {
            out.write(in.readNBytes((int) length));
        } else {
            out.write(in.readAllBytes());
        }
        return new Reply(status, headers.toString(), out.toString(StandardCharsets.UTF_8), isHead);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                out.write(c);
            }
        }
        if (c == -1 && out.size() == 0) {
            throw new IOException("the connection closed without an answer");
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    private static String shorten(String s) {
        String shown = s.length() > 160 ? s.substring(0, 160) + "...(" + s.length() + " chars)" : s;
        return shown.replace("\0", "\\0").replace("\n", "\\n").replace("\r", "\\r");
    }
}
