package dev.berth.plugin.pull.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.ImageReference;
import dev.berth.api.stage.PushRequest;
import dev.berth.api.stage.PushedImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pushes through hostile and faulty registries, one named case per row: a fake on 127.0.0.1 answers each
 * request itself or forwards it to a real {@code docker-registry}, which then tells whether a tag or blob
 * was left behind. Every case pushes to its own repository.
 */
class PusherFaultTest {
    private static final RegistryClient.Options FAST = new RegistryClient.Options(Duration.ofSeconds(1),
            Duration.ofSeconds(5), 3, Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(2));
    private static final String USER = "alice";

    private static RegistryServer registry;
    private static TestImages.Image image;

    @TempDir
    static Path base;

    /** How a case's fake answers one request. */
    @FunctionalInterface
    interface Behaviour {
        void handle(Context ctx, FakeRegistry.Request request, FakeRegistry.Exchange exchange) throws Exception;
    }

    /** What a case checks once its fake is running and the image is stored. */
    @FunctionalInterface
    interface Check {
        void run(Context ctx) throws Exception;
    }

    record Case(String name, Behaviour behaviour, Check check) {
    }

    /** One case's fake registry, store and repository. */
    record Context(FakeRegistry fake, Path root, ContentStore store, String repository, AtomicInteger counter) {
        String reference() {
            return fake.hostPort() + "/" + repository + ":v1";
        }

        Pusher pusher(long chunkBytes, Credentials credentials, Predicate<String> insecure) {
            return new Pusher(new UploadClient(insecure, credentials, FAST, chunkBytes), store, 3);
        }

        PushedImage push(long chunkBytes, Credentials credentials, String... sources) throws BerthException {
            return pusher(chunkBytes, credentials, fake.hostPort()::equals).push(new PushRequest(
                    ImageReference.parse(reference()), image.manifest().digest(), Set.of(),
                    Arrays.stream(sources).map(ImageReference::parse).toList()), PushListener.NONE);
        }

        PushedImage push() throws BerthException {
            return push(UploadClient.DEFAULT_CHUNK_BYTES, Credentials.none());
        }

        BerthException pushFails(long chunkBytes, Credentials credentials) {
            return assertThrows(BerthException.class, () -> push(chunkBytes, credentials));
        }

        BerthException pushFails() {
            return pushFails(UploadClient.DEFAULT_CHUNK_BYTES, Credentials.none());
        }

        /** Replaces the stored big layer with other bytes under the same name. */
        void corruptBigLayer(byte[] bytes) throws Exception {
            Files.write(root.resolve("content/blobs/sha256/" + bigLayer().digest().hex()), bytes);
        }

        /** Checks that the registry has no tag for the push and not the big layer. */
        void assertNothingLeft() throws Exception {
            assertNull(TestImages.manifest(registry, repository, "v1"), "no tag " + repository + ":v1");
            assertFalse(TestImages.hasBlob(registry, repository, bigLayer().digest()), "the big layer is not there");
            assertTrue(fake.requests().stream().noneMatch(r -> r.path().contains("/manifests/")),
                    "no manifest was sent: " + fake.requests());
        }
    }

    @BeforeAll
    static void startRegistry() throws Exception {
        Assumptions.assumeTrue(RegistryServer.available(), "docker-registry is not installed");
        registry = RegistryServer.start(Files.createDirectories(base.resolve("registry")));
        image = TestImages.image(false, "amd64", "push-fault", 200_000);
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

    private static boolean isUpload(FakeRegistry.Request request) {
        return request.path().contains("/blobs/uploads/") && (request.method().equals("PUT")
                || request.method().equals("PATCH"));
    }

    private static void assertMentions(BerthException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message lacks \"" + part + "\": " + e.getMessage());
        }
    }

    private static Behaviour relay() {
        return (ctx, request, exchange) -> exchange.relay(request);
    }

    private static byte[] error(String code, String message) {
        return ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Behaviour bearer() {
        return (ctx, request, exchange) -> FakeRegistry.bearer(ctx.counter(), false, 0, (r, x) -> x.relay(r))
                .handle(request, exchange);
    }

    /** A token service that never grants push, whatever the scope asked for: a user who may only pull. */
    private static Behaviour pullOnlyTokens() {
        return (ctx, request, exchange) -> {
            FakeRegistry.Request asked = request.path().equals("/token")
                    ? new FakeRegistry.Request(request.method(), request.target().replace("%2Cpush", ""),
                    request.headers(), request.body(), request.nanos())
                    : request;
            bearer().handle(ctx, asked, exchange);
        };
    }

    private static Credentials login(Context ctx) {
        return Credentials.of(ctx.fake().hostPort(), new Credentials.Login(USER, "s3cret-pw"));
    }

    /** The decoded scopes of every token request. */
    private static List<String> tokenScopes(Context ctx) {
        return ctx.fake().requests().stream().filter(r -> r.path().equals("/token"))
                .map(r -> URLDecoder.decode(r.target(), StandardCharsets.UTF_8)).toList();
    }

    static List<Case> cases() {
        return List.of(
                new Case("CorruptStoredBlobFailsTheMonolithicPut", relay(), ctx -> {
                    byte[] altered = bigLayer().bytes().clone();
                    altered[altered.length - 1] ^= 0x01;
                    ctx.corruptBigLayer(altered);
                    BerthException e = ctx.pushFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "push " + ctx.reference() + ": push blob " + bigLayer().digest(),
                            "stored blob " + bigLayer().digest() + " does not match its digest");
                    List<FakeRegistry.Request> puts = ctx.fake().requests().stream().filter(r -> r.method().equals("PUT")
                            && r.target().contains(bigLayer().digest().hex())).toList();
                    // The client cuts the request short; under load the fake registry may not have logged it yet.
                    assertTrue(puts.size() <= 1, "not retried: " + puts.size() + " PUTs");
                    for (FakeRegistry.Request put : puts) {
                        assertTrue(put.body().length < bigLayer().bytes().length,
                                "the last bytes never left: got " + put.body().length);
                    }
                    ctx.assertNothingLeft();
                }),
                new Case("CorruptStoredBlobFailsTheLastChunk", relay(), ctx -> {
                    byte[] altered = bigLayer().bytes().clone();
                    altered[10] ^= 0x01;
                    ctx.corruptBigLayer(altered);
                    BerthException e = ctx.pushFails(50_000, Credentials.none());
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "stored blob " + bigLayer().digest() + " does not match its digest");
                    List<FakeRegistry.Request> patches = ctx.fake().requests().stream()
                            .filter(r -> r.method().equals("PATCH")).toList();
                    int size = bigLayer().bytes().length;
                    List<String> whole = patches.stream().filter(r -> r.body().length == 50_000)
                            .map(r -> r.header("Content-Range")).toList();
                    assertEquals(List.of("0-49999", "50000-99999", "100000-149999", "150000-199999"), whole,
                            "every chunk before the last went");
                    assertTrue(patches.stream().noneMatch(r -> r.header("Content-Range").endsWith("-" + (size - 1))
                            && r.body().length == size % 50_000), "the last bytes never left: " + patches);
                    assertTrue(ctx.fake().requests().stream().noneMatch(r -> r.method().equals("PUT")
                            && r.target().contains(bigLayer().digest().hex())), "the upload was never closed");
                    ctx.assertNothingLeft();
                }),
                new Case("StoredBlobShorterThanItsDescriptor", relay(), ctx -> {
                    ctx.corruptBigLayer(Arrays.copyOf(bigLayer().bytes(), 1000));
                    BerthException e = ctx.pushFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "stored blob " + bigLayer().digest() + " has 1000 bytes, its descriptor says "
                            + bigLayer().bytes().length);
                    ctx.assertNothingLeft();
                }),
                new Case("Registry500OnEveryUpload", (ctx, request, exchange) -> {
                    if (isUpload(request)) {
                        exchange.respond(500, Map.of("Content-Type", "application/json"), error("UNKNOWN", "disk on fire"));
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    BerthException e = ctx.pushFails();
                    assertEquals(ErrorKind.UNAVAILABLE, e.kind());
                    assertMentions(e, "push " + ctx.reference() + ": push blob sha256:", "HTTP 500",
                            "UNKNOWN: disk on fire", "gave up after 3 attempts");
                    ctx.assertNothingLeft();
                }),
                new Case("Registry500OnceThenANewSession", (ctx, request, exchange) -> {
                    if (isUpload(request) && request.target().contains(bigLayer().digest().hex())
                            && ctx.counter().getAndIncrement() == 0) {
                        exchange.respond(500, Map.of(), new byte[0]);
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    PushedImage pushed = ctx.push();
                    assertEquals(3, pushed.uploaded());
                    List<FakeRegistry.Request> puts = ctx.fake().requests().stream().filter(r -> r.method().equals("PUT")
                            && r.target().contains(bigLayer().digest().hex())).toList();
                    assertEquals(2, puts.size());
                    assertFalse(puts.get(0).path().equals(puts.get(1).path()), "the retry opens a new upload session");
                    assertEquals(image.manifest().digest(), TestImages.manifest(registry, ctx.repository(), "v1").digest());
                }),
                new Case("BearerTokenAsksForPushScope", bearer(), ctx -> {
                    ctx.push();
                    List<String> scopes = tokenScopes(ctx);
                    assertEquals(1, scopes.size(), "one token serves the whole push: " + scopes);
                    assertTrue(scopes.get(0).contains("service=fake&scope=repository:" + ctx.repository() + ":pull,push"),
                            scopes.toString());
                    List<FakeRegistry.Request> writes = ctx.fake().requests().stream()
                            .filter(FakeRegistry.Request::writes).toList();
                    assertFalse(writes.isEmpty());
                    assertTrue(writes.stream().allMatch(r -> "Bearer tok-1".equals(r.header("Authorization"))),
                            writes.toString());
                    assertEquals(image.manifest().digest(), TestImages.manifest(registry, ctx.repository(), "v1").digest());
                }),
                new Case("BearerMountAsksToPullTheSource", bearer(), ctx -> {
                    String source = ctx.repository() + "-source";
                    TestImages.push(registry, source, "v1", image);
                    PushedImage pushed = ctx.push(UploadClient.DEFAULT_CHUNK_BYTES, Credentials.none(),
                            ctx.fake().hostPort() + "/" + source + ":v1");
                    assertEquals(3, pushed.mounted());
                    assertTrue(tokenScopes(ctx).stream().anyMatch(s -> s.contains("scope=repository:" + ctx.repository()
                            + ":pull,push&scope=repository:" + source + ":pull")), tokenScopes(ctx).toString());
                }),
                new Case("PullOnlyTokenWithoutLoginIsAuthenticationRequired", pullOnlyTokens(), ctx -> {
                    BerthException e = ctx.pushFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "push " + ctx.reference(), "authentication required (berth login "
                            + ctx.fake().hostPort() + ")");
                    ctx.assertNothingLeft();
                }),
                new Case("PullOnlyTokenWithLoginIsPushAccessDenied", pullOnlyTokens(), ctx -> {
                    BerthException e = ctx.pushFails(UploadClient.DEFAULT_CHUNK_BYTES, login(ctx));
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "push " + ctx.reference(), "push access denied");
                    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
                    assertTrue(ctx.fake().requests().stream().filter(r -> r.path().equals("/token"))
                            .allMatch(r -> r.header("Authorization").startsWith("Basic ")), "the login is used");
                    ctx.assertNothingLeft();
                }),
                new Case("ForbiddenIsPushAccessDenied", (ctx, request, exchange) -> {
                    if (request.writes()) {
                        exchange.respond(403, Map.of("Content-Type", "application/json"),
                                error("DENIED", "requested access to the resource is denied"));
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    BerthException e = ctx.pushFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "push access denied (DENIED: requested access to the resource is denied)");
                    ctx.assertNothingLeft();
                }),
                new Case("UnknownNameIsNotFound", (ctx, request, exchange) -> {
                    if (request.writes()) {
                        exchange.respond(404, Map.of("Content-Type", "application/json"),
                                error("NAME_UNKNOWN", "repository name not known to registry"));
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    BerthException e = ctx.pushFails();
                    assertEquals(ErrorKind.NOT_FOUND, e.kind());
                    assertMentions(e, "push " + ctx.reference(), "name unknown (NAME_UNKNOWN: repository name not known");
                    ctx.assertNothingLeft();
                }),
                new Case("RegistryAnswersAnotherManifestDigest", (ctx, request, exchange) -> {
                    if (request.method().equals("PUT") && request.path().contains("/manifests/")) {
                        exchange.respond(201, Map.of("Docker-Content-Digest", "sha256:" + "0".repeat(64)), new byte[0]);
                    } else {
                        exchange.relay(request);
                    }
                }, ctx -> {
                    BerthException e = ctx.pushFails();
                    assertEquals(ErrorKind.INVALID, e.kind());
                    assertMentions(e, "push manifest v1: the registry answered digest sha256:" + "0".repeat(64)
                            + ", expected " + image.manifest().digest());
                }),
                new Case("InsecureRequired", relay(), ctx -> {
                    BerthException e = assertThrows(BerthException.class, () -> ctx.pusher(UploadClient.DEFAULT_CHUNK_BYTES,
                            Credentials.none(), r -> false).push(new PushRequest(ImageReference.parse(ctx.reference()),
                            image.manifest().digest(), Set.of(), List.of()), PushListener.NONE));
                    assertEquals(ErrorKind.UNAVAILABLE, e.kind());
                    assertMentions(e, "TLS connection to " + ctx.fake().hostPort() + " failed", "mark it insecure");
                    assertEquals(List.of(), ctx.fake().requests(), "no plain HTTP request was made");
                }),
                new Case("ConnectionRefused", relay(), ctx -> {
                    int closed;
                    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                        closed = socket.getLocalPort();
                    }
                    String host = "127.0.0.1:" + closed;
                    BerthException e = assertThrows(BerthException.class, () -> ctx.pusher(UploadClient.DEFAULT_CHUNK_BYTES,
                            Credentials.none(), host::equals).push(new PushRequest(ImageReference.parse(host + "/x/y:v1"),
                            image.manifest().digest(), Set.of(), List.of()), PushListener.NONE));
                    assertEquals(ErrorKind.UNAVAILABLE, e.kind());
                    assertMentions(e, "push " + host + "/x/y:v1: check access to " + host + "/x/y", "connection refused",
                            "gave up after 3 attempts");
                }));
    }

    @TestFactory
    Stream<DynamicTest> faultyPushes() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Path root = Files.createTempDirectory(base, c.name());
            String repository = "fault/" + c.name().toLowerCase(Locale.ROOT);
            Context[] holder = new Context[1];
            try (FakeRegistry fake = new FakeRegistry(registry.uri("/"),
                    (request, exchange) -> c.behaviour().handle(holder[0], request, exchange))) {
                holder[0] = new Context(fake, root, new ContentStore(root), repository, new AtomicInteger());
                TestImages.store(holder[0].store(), image);
                c.check().run(holder[0]);
            }
        }));
    }
}
