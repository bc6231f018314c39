package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.image.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and faulty registries, one named case per row: a fake on 127.0.0.1 answers each request itself or
 * forwards it to a real {@code docker-registry} and tampers with the answer.
 */
class PullerFaultTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Platform AMD64 = Platform.parse("linux/amd64");
    private static final RegistryClient.Options FAST = new RegistryClient.Options(Duration.ofSeconds(1),
            Duration.ofMillis(500), 3, Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(2));
    private static final String REPOSITORY = "fault/img";

    private static RegistryServer registry;
    /** The port of the second fake that the redirect case sends blob requests to. */
    private static volatile int redirectPort;
    private static TestImages.Image image;

    @TempDir
    static Path base;

    /** How a case's fake answers one request. */
    @FunctionalInterface
    interface Behaviour {
        void handle(Context ctx, FakeRegistry.Request request, FakeRegistry.Exchange exchange) throws Exception;
    }

    /** What a case checks once its fake is running. */
    @FunctionalInterface
    interface Check {
        void run(Context ctx) throws Exception;
    }

    record Case(String name, Behaviour behaviour, Check check) {
    }

    /** One case's fake registry, store and image. */
    record Context(FakeRegistry fake, Path root, ContentStore store, AtomicInteger counter) {
        String reference() {
            return fake.hostPort() + "/" + REPOSITORY + ":v1";
        }

        Puller puller() throws BerthException {
            return puller(Credentials.none(), fake.hostPort()::equals);
        }

        Puller puller(Credentials credentials, Predicate<String> insecure) throws BerthException {
            return new Puller(new RegistryClient(insecure, credentials, FAST), store, 3);
        }

        PullResult pull() throws BerthException {
            return puller().pull(reference(), AMD64, PullListener.NONE);
        }

        BerthException pullFails() {
            return assertThrows(BerthException.class, this::pull);
        }
    }

    @BeforeAll
    static void startRegistry() throws Exception {
        Assumptions.assumeTrue(RegistryServer.available(), "docker-registry is not installed");
        registry = RegistryServer.start(Files.createDirectories(base.resolve("registry")));
        image = TestImages.image(false, "amd64", "fault", 200_000);
        TestImages.push(registry, REPOSITORY, "v1", image);
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private static TestImages.Blob bigLayer() {
        return image.layers().get(1);
    }

    private static boolean isBlob(FakeRegistry.Request request, TestImages.Blob blob) {
        return request.path().endsWith("/blobs/" + blob.digest());
    }

    private static boolean isManifest(FakeRegistry.Request request) {
        return request.path().contains("/manifests/");
    }

    private static Map<String, String> headers(FakeRegistry.Upstream upstream) {
        return upstream.headers();
    }

    /** The image's manifest with the big layer's size changed by {@code delta}, served without a digest header. */
    private static byte[] manifestWithLayerSize(long delta) throws Exception {
        ObjectNode manifest = (ObjectNode) JSON.readTree(image.manifest().bytes());
        ObjectNode layer = (ObjectNode) manifest.get("layers").get(1);
        layer.put("size", layer.get("size").asLong() + delta);
        return JSON.writeValueAsBytes(manifest);
    }

    private static void assertNoTrace(Context ctx, Digest digest) throws Exception {
        assertFalse(ctx.store().has(digest), "nothing under the final name of " + digest);
        try (Stream<Path> ingest = Files.list(ctx.root().resolve("content/ingest"))) {
            List<Path> left = ingest.filter(p -> p.getFileName().toString().contains(digest.hex())).toList();
            assertEquals(List.of(), left, "no partial file left for " + digest);
        }
    }

    private static void assertMentions(BerthException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message lacks \"" + part + "\": " + e.getMessage());
        }
    }

    private static String everything(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private static Behaviour relay() {
        return (ctx, request, exchange) -> exchange.relay(request);
    }

    private static final String USER = "alice";

    private static Behaviour basicAuth(String password) {
        String expected = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        return (ctx, request, exchange) -> {
            if (!expected.equals(request.header("Authorization"))) {
                exchange.respond(401, Map.of("WWW-Authenticate", "Basic realm=\"fake\""), new byte[0]);
            } else {
                exchange.relay(request);
            }
        };
    }

    private static Behaviour bearer(boolean accessTokenField, int expiresIn) {
        return (ctx, request, exchange) -> FakeRegistry.bearer(ctx.counter(), accessTokenField, expiresIn,
                (r, x) -> x.relay(r)).handle(request, exchange);
    }

    static List<Case> cases() {
        return List.of(
                new Case("DigestMismatch", (ctx, request, exchange) -> {
                    if (isBlob(request, bigLayer())) {
                        FakeRegistry.Upstream up = exchange.forward(request);
                        byte[] altered = up.body().clone();
                        altered[altered.length / 2] ^= 0x01;
                        exchange.respond(up.status(), headers(up), altered);
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    BerthException e = ctx.pullFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "pull " + ctx.reference(), "blob " + bigLayer().digest(), "digest mismatch: got sha256:");
                    assertNoTrace(ctx, bigLayer().digest());
                }),
                new Case("SizeLiesManifestSaysFewerBytesThanServed", (ctx, request, exchange) -> {
                    if (isManifest(request)) {
                        exchange.respond(200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST), manifestWithLayerSize(-100));
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    BerthException e = ctx.pullFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "size mismatch: expected " + (bigLayer().bytes().length - 100) + " bytes");
                    assertNoTrace(ctx, bigLayer().digest());
                }),
                new Case("SizeLiesManifestSaysMoreBytesThanServed", (ctx, request, exchange) -> {
                    if (isManifest(request)) {
                        exchange.respond(200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST), manifestWithLayerSize(100));
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    BerthException e = ctx.pullFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "size mismatch: expected " + (bigLayer().bytes().length + 100) + " bytes");
                    assertNoTrace(ctx, bigLayer().digest());
                }),
                new Case("SizeLiesUndeclaredExtraBytesAreCutOff", (ctx, request, exchange) -> {
                    if (isBlob(request, bigLayer())) {
                        FakeRegistry.Upstream up = exchange.forward(request);
                        exchange.respondChunked(200, headers(up), Arrays.copyOf(up.body(), up.body().length + 300_000));
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    BerthException e = ctx.pullFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "blob " + bigLayer().digest(), "size mismatch: expected "
                            + bigLayer().bytes().length + " bytes, got more");
                    assertNoTrace(ctx, bigLayer().digest());
                }),
                new Case("ManifestNotJson", (ctx, request, exchange) -> {
                    exchange.respond(200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST),
                            "<html>hello</html>".getBytes(StandardCharsets.UTF_8));
                }, ctx -> {
                    BerthException e = ctx.pullFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "fetch manifest v1", "not a JSON object");
                    assertEquals(1, ctx.fake().requests().size(), "no retry, no blob request");
                }),
                new Case("ManifestTooLarge", (ctx, request, exchange) -> {
                    exchange.respond(200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST), new byte[5_000_000]);
                }, ctx -> {
                    BerthException e = ctx.pullFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "5000000 bytes", "4 MiB limit");
                }),
                new Case("ManifestTooLargeWithoutContentLength", (ctx, request, exchange) -> {
                    exchange.respondChunked(200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST), new byte[5_000_000]);
                }, ctx -> {
                    BerthException e = ctx.pullFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "4 MiB limit");
                }),
                new Case("ManifestDigestMismatchWhenPulledByDigest", (ctx, request, exchange) -> {
                    if (isManifest(request)) {
                        byte[] body = Arrays.copyOf(image.manifest().bytes(), image.manifest().bytes().length + 1);
                        body[body.length - 1] = ' ';
                        exchange.respond(200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST), body);
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    String reference = ctx.fake().hostPort() + "/" + REPOSITORY + "@" + image.manifest().digest();
                    BerthException e = assertThrows(BerthException.class,
                            () -> ctx.puller().pull(reference, AMD64, PullListener.NONE));
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "fetch manifest " + image.manifest().digest(), "digest mismatch");
                }),
                new Case("Registry500ThenOk", (ctx, request, exchange) -> {
                    if (ctx.counter().incrementAndGet() <= 2) {
                        exchange.respond(500, Map.of("Content-Type", "application/json"),
                                "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"boom\"}]}".getBytes(StandardCharsets.UTF_8));
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    PullResult result = ctx.pull();
                    assertEquals(image.manifest().digest(), result.manifestDigest());
                    assertEquals(3, ctx.fake().requests().stream().filter(PullerFaultTest::isManifest).count());
                }),
                new Case("Registry500Always", (ctx, request, exchange) -> {
                    exchange.respond(500, Map.of(), new byte[0]);
                }, ctx -> {
                    BerthException e = ctx.pullFails();
                    assertEquals(ErrorKind.UNAVAILABLE, e.kind());
                    assertMentions(e, "fetch manifest v1", "HTTP 500", "gave up after 3 attempts");
                    assertEquals(3, ctx.fake().requests().size());
                }),
                new Case("Registry429WithRetryAfter", (ctx, request, exchange) -> {
                    if (ctx.counter().incrementAndGet() == 1) {
                        exchange.respond(429, Map.of("Retry-After", "1"), new byte[0]);
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    ctx.pull();
                    List<FakeRegistry.Request> requests = ctx.fake().requests();
                    long waited = Duration.ofNanos(requests.get(1).nanos() - requests.get(0).nanos()).toMillis();
                    assertTrue(waited >= 900, "waited only " + waited + " ms for Retry-After: 1");
                }),
                new Case("DropMidBlobThenResume", (ctx, request, exchange) -> {
                    if (isBlob(request, bigLayer()) && request.header("Range") == null) {
                        FakeRegistry.Upstream up = exchange.forward(request);
                        exchange.respondCut(up.status(), headers(up), up.body(), up.body().length / 2);
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    PullResult result = ctx.pull();
                    int half = bigLayer().bytes().length / 2;
                    List<String> ranges = ctx.fake().requests().stream().filter(r -> isBlob(r, bigLayer()))
                            .map(r -> r.header("Range")).toList();
                    // Resumed where the cut left it; on a loaded machine a first try may also time out before
                    // any byte arrived, and is then simply made again from the start.
                    assertEquals("bytes=" + half + "-", ranges.get(ranges.size() - 1), ranges.toString());
                    assertTrue(ranges.size() <= 3 && ranges.subList(0, ranges.size() - 1).stream()
                            .allMatch(java.util.Objects::isNull), ranges.toString());
                    long total = image.blobs().stream().mapToLong(b -> b.bytes().length).sum();
                    assertEquals(total, result.bytesFetched(), "the first half is not fetched twice");
                    assertEquals(bigLayer().digest(), TestImages.sha256(Files.readAllBytes(ctx.store().path(bigLayer().digest()))));
                }),
                new Case("Stall", (ctx, request, exchange) -> {
                    if (isBlob(request, bigLayer())) {
                        FakeRegistry.Upstream up = exchange.forward(request);
                        exchange.respondStalled(up.status(), headers(up), up.body(), 1000);
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    long start = System.nanoTime();
                    BerthException e = ctx.pullFails();
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    assertEquals(ErrorKind.UNAVAILABLE, e.kind());
                    assertMentions(e, "fetch blob " + bigLayer().digest(), "stalled: no data for 500 ms",
                            "gave up after 3 attempts");
                    assertFalse(ctx.store().has(bigLayer().digest()));
                    assertTrue(millis < 10_000, "took " + millis + " ms");
                }),
                new Case("PartialFromFailedPullIsResumedByTheNextPull", (ctx, request, exchange) -> {
                    if (isBlob(request, bigLayer()) && ctx.counter().get() == 0) {
                        FakeRegistry.Upstream up = exchange.forward(request);
                        exchange.respondStalled(up.status(), headers(up), up.body(), Math.min(1000, up.body().length));
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    assertEquals(ErrorKind.UNAVAILABLE, ctx.pullFails().kind());
                    Path partial = ctx.root().resolve("content/ingest/sha256-" + bigLayer().digest().hex() + ".partial");
                    long kept = Files.size(partial);
                    assertTrue(kept >= 1000, "the partial file is kept for a resume: " + kept);
                    ctx.counter().set(1);
                    ctx.pull();
                    List<FakeRegistry.Request> blobRequests = ctx.fake().requests().stream()
                            .filter(r -> isBlob(r, bigLayer())).toList();
                    assertEquals("bytes=" + kept + "-", blobRequests.get(blobRequests.size() - 1).header("Range"));
                    assertFalse(Files.exists(partial));
                    assertTrue(ctx.store().has(bigLayer().digest()));
                }),
                new Case("BearerTokenFlow", bearer(false, 0), ctx -> {
                    ctx.pull();
                    List<FakeRegistry.Request> requests = ctx.fake().requests();
                    List<FakeRegistry.Request> tokenRequests = requests.stream()
                            .filter(r -> r.path().equals("/token")).toList();
                    assertEquals(1, tokenRequests.size(), "one token serves the whole pull");
                    String query = tokenRequests.get(0).target();
                    assertTrue(query.contains("service=fake"), query);
                    assertTrue(query.contains("scope=repository%3Afault%2Fimg%3Apull"), query);
                    assertEquals(null, requests.get(0).header("Authorization"), "anonymous first");
                    List<FakeRegistry.Request> after = requests.subList(2, requests.size());
                    assertEquals(4, after.size(), "manifest again, config and two layers");
                    assertTrue(after.stream().allMatch(r -> "Bearer tok-1".equals(r.header("Authorization"))), after.toString());
                }),
                new Case("BearerAccessTokenExpiresAndIsRefreshed", bearer(true, 1), ctx -> {
                    Puller puller = ctx.puller();
                    puller.pull(ctx.reference(), AMD64, PullListener.NONE);
                    assertEquals(1, ctx.counter().get());
                    Thread.sleep(1100);
                    PullResult again = puller.pull(ctx.reference(), AMD64, PullListener.NONE);
                    assertEquals(3, again.blobsFromCache());
                    assertEquals(2, ctx.counter().get(), "an expired token is refreshed");
                    List<FakeRegistry.Request> requests = ctx.fake().requests();
                    assertEquals("Bearer tok-2", requests.get(requests.size() - 1).header("Authorization"));
                }),
                new Case("RedirectedBlobGetsNoAuthorization", (ctx, request, exchange) -> {
                    if (isBlob(request, bigLayer()) && "Bearer tok-1".equals(request.header("Authorization"))) {
                        exchange.respond(307, Map.of("Location", "http://127.0.0.1:" + redirectPort + request.target()),
                                new byte[0]);
                    } else {
                        bearer(false, 0).handle(ctx, request, exchange);
                    }
                }, ctx -> {
                    try (FakeRegistry storage = new FakeRegistry(registry.uri("/"), (r, x) -> x.relay(r))) {
                        redirectPort = storage.port();
                        ctx.pull();
                        List<FakeRegistry.Request> redirected = storage.requests();
                        assertEquals(1, redirected.size(), redirected.toString());
                        assertTrue(isBlob(redirected.get(0), bigLayer()));
                        assertEquals(null, redirected.get(0).header("Authorization"), "the token stays with the registry");
                        assertTrue(ctx.store().has(bigLayer().digest()));
                    }
                }),
                new Case("BasicAuthFromConfigJson", basicAuth("s3cret-pw"), ctx -> {
                    Path config = ctx.root().resolve("docker/config.json");
                    Credentials.store(config, ctx.fake().hostPort(), USER, "s3cret-pw");
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
                    Credentials credentials = Credentials.load(config);
                    assertFalse(credentials.toString().contains("s3cret"), credentials.toString());
                    assertFalse(credentials.lookup(ctx.fake().hostPort()).orElseThrow().toString().contains("s3cret"));
                    PullResult result = ctx.puller(credentials, ctx.fake().hostPort()::equals)
                            .pull(ctx.reference(), AMD64, PullListener.NONE);
                    assertEquals(image.manifest().digest(), result.manifestDigest());
                }),
                new Case("BasicAuthWrongPasswordNeverLeaks", basicAuth("right-pw"), ctx -> {
                    Path config = ctx.root().resolve("config.json");
                    Files.writeString(config, "{\"auths\":{\"" + ctx.fake().hostPort() + "\":{\"auth\":\""
                            + Base64.getEncoder().encodeToString((USER + ":wrong-s3cret").getBytes(StandardCharsets.UTF_8))
                            + "\"}}}");
                    Credentials credentials = Credentials.load(config);
                    BerthException e = assertThrows(BerthException.class, () -> ctx.puller(credentials,
                            ctx.fake().hostPort()::equals).pull(ctx.reference(), AMD64, PullListener.NONE));
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "unauthorized");
                    String all = everything(e);
                    assertFalse(all.contains("wrong-s3cret"), all);
                    assertFalse(all.contains(Base64.getEncoder().encodeToString((USER + ":wrong-s3cret")
                            .getBytes(StandardCharsets.UTF_8))), all);
                }),
                new Case("LoginChecksBasicCredentials", basicAuth("s3cret-pw"), ctx -> {
                    String host = ctx.fake().hostPort();
                    new RegistryClient(host::equals, Credentials.of(host, new Credentials.Login(USER, "s3cret-pw")),
                            RegistryClient.Options.defaults()).checkLogin(host);
                    assertTrue(ctx.fake().requests().stream().anyMatch(r -> r.path().equals("/v2/")
                            && r.header("Authorization") != null), ctx.fake().requests().toString());
                }),
                new Case("LoginWithAWrongPasswordIsRefusedAndNeverLeaks", basicAuth("right-pw"), ctx -> {
                    String host = ctx.fake().hostPort();
                    BerthException e = assertThrows(BerthException.class, () -> new RegistryClient(host::equals,
                            Credentials.of(host, new Credentials.Login(USER, "wrong-s3cret")),
                            RegistryClient.Options.defaults()).checkLogin(host));
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "log in to " + host, "unauthorized");
                    assertFalse(everything(e).contains("wrong-s3cret"), everything(e));
                }),
                new Case("LoginThroughTheBearerFlowAsksForNoScope", bearer(false, 0), ctx -> {
                    String host = ctx.fake().hostPort();
                    new RegistryClient(host::equals, Credentials.of(host, new Credentials.Login(USER, "pw")),
                            RegistryClient.Options.defaults()).checkLogin(host);
                    List<FakeRegistry.Request> tokens = ctx.fake().requests().stream()
                            .filter(r -> r.path().equals("/token")).toList();
                    assertFalse(tokens.isEmpty());
                    assertTrue(tokens.stream().noneMatch(r -> r.target().contains("scope=")), tokens.toString());
                    assertTrue(tokens.stream().allMatch(r -> r.header("Authorization") != null), "credentials sent");
                }),
                new Case("BasicAuthWithoutLogin", basicAuth("pw"), ctx -> {
                    BerthException e = ctx.pullFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "asks for a login and there is none");
                }),
                new Case("InsecureRequired", relay(), ctx -> {
                    BerthException e = assertThrows(BerthException.class, () -> ctx.puller(Credentials.none(), r -> false)
                            .pull(ctx.reference(), AMD64, PullListener.NONE));
                    assertEquals(ErrorKind.UNAVAILABLE, e.kind());
                    assertMentions(e, "TLS connection to " + ctx.fake().hostPort() + " failed", "mark it insecure");
                    assertEquals(List.of(), ctx.fake().requests(), "no plain HTTP request was made");
                }),
                new Case("BadReference", relay(), ctx -> {
                    BerthException e = assertThrows(BerthException.class, () -> ctx.puller()
                            .pull(ctx.fake().hostPort() + "/Fault/IMG:v1", AMD64, PullListener.NONE));
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "invalid image reference");
                    assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("x@sha256:12"));
                    assertEquals(List.of(), ctx.fake().requests());
                }));
    }

    @TestFactory
    Stream<DynamicTest> hostileRegistries() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Path root = Files.createTempDirectory(base, c.name());
            AtomicInteger counter = new AtomicInteger();
            Context[] holder = new Context[1];
            try (FakeRegistry fake = new FakeRegistry(registry.uri("/"),
                    (request, exchange) -> c.behaviour().handle(holder[0], request, exchange))) {
                holder[0] = new Context(fake, root, new ContentStore(root), counter);
                c.check().run(holder[0]);
            }
        }));
    }
}
