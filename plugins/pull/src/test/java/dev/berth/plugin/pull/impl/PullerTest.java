package dev.berth.plugin.pull.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.image.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pulls images built in Java from a real {@code docker-registry} on 127.0.0.1. */
class PullerTest {
    private static final Platform AMD64 = Platform.parse("linux/amd64");

    @TempDir
    static Path registryDir;
    private static RegistryServer registry;
    private static TestImages.Image oci;
    private static TestImages.Image docker;
    private static TestImages.IndexImage multi;

    @TempDir
    Path root;

    @BeforeAll
    static void startRegistry() throws Exception {
        Assumptions.assumeTrue(RegistryServer.available(), "docker-registry is not installed");
        registry = RegistryServer.start(registryDir);
        oci = TestImages.image(false, "amd64", "oci", 4096);
        docker = TestImages.image(true, "amd64", "docker", 4096);
        multi = TestImages.index("multi");
        TestImages.push(registry, "demo/oci", "v1", oci);
        TestImages.push(registry, "demo/docker", "v1", docker);
        TestImages.push(registry, "demo/multi", "v1", multi);
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private Puller puller(String insecureRegistry) throws BerthException {
        RegistryClient client = new RegistryClient(insecureRegistry::equals, Credentials.none(),
                new RegistryClient.Options(Duration.ofSeconds(2), Duration.ofSeconds(10), 3, Duration.ofMillis(20),
                        Duration.ofMillis(100), Duration.ofSeconds(2)));
        return new Puller(client, new ContentStore(root), 3);
    }

    private static void assertStored(ContentStore store, TestImages.Image image) throws Exception {
        for (TestImages.Blob blob : image.blobs()) {
            Path path = store.path(blob.digest());
            assertEquals(root(store, blob.digest()), path);
            assertEquals(blob.digest(), TestImages.sha256(Files.readAllBytes(path)), "sha256 of " + path);
        }
        assertTrue(store.has(image.manifest().digest()), "manifest stored");
    }

    private static Path root(ContentStore store, Digest digest) throws BerthException {
        return store.path(digest).getParent().getParent().resolve(digest.algorithm()).resolve(digest.hex());
    }

    @Test
    void pullByTagOciManifest() throws Exception {
        RecordingListener events = new RecordingListener();
        PullResult result = puller(registry.hostPort()).pull(ImageReference.parse(registry.hostPort() + "/demo/oci:v1"),
                AMD64, events);
        assertEquals(oci.manifest().digest(), result.manifestDigest());
        assertEquals(MediaTypes.OCI_MANIFEST, result.manifestMediaType());
        assertEquals(oci.config().descriptor(), result.config());
        assertEquals(List.of(oci.layers().get(0).descriptor(), oci.layers().get(1).descriptor()), result.layers());
        assertEquals(AMD64, result.platform());
        assertEquals(0, result.blobsFromCache());
        long total = oci.blobs().stream().mapToLong(b -> b.bytes().length).sum();
        assertEquals(total, result.bytesFetched());
        assertEquals(3, events.fetched.size());
        assertNull(events.resolvedPlatform);
        ContentStore store = new ContentStore(root);
        assertStored(store, oci);
        Set<Digest> listed = new HashSet<>(store.list());
        for (TestImages.Blob blob : oci.blobs()) {
            assertTrue(listed.contains(blob.digest()));
        }
        try (var ingest = Files.list(root.resolve("content/ingest"))) {
            assertEquals(0, ingest.count(), "no partial files left");
        }
    }

    /** What a streaming consumer needs: the image before any layer, then each layer's file while it is written. */
    @Test
    void configIsStoredAndReportedBeforeAnyLayerIsWritten() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        List<Path> files = new CopyOnWriteArrayList<>();
        ContentStore store = new ContentStore(root);
        PullListener listener = new PullListener() {
            @Override
            public void configStored(ImageReference reference, Digest manifestDigest, String mediaType,
                    Descriptor config, List<Descriptor> layers, Platform platform) {
                order.add("config " + store.has(config.digest()) + " " + layers.size() + " " + platform);
            }

            @Override
            public void blobWriting(Descriptor blob, Path file) {
                order.add("writing " + blob.digest());
                files.add(file);
            }

            @Override
            public void blobFetched(Descriptor blob, boolean fromCache, long bytes, long millis) {
                order.add("fetched " + blob.digest());
            }
        };
        puller(registry.hostPort()).pull(ImageReference.parse(registry.hostPort() + "/demo/oci:v1"), AMD64, listener);
        int config = order.indexOf("config true 2 " + AMD64);
        assertTrue(config >= 0, order.toString());
        assertEquals("fetched " + oci.config().digest(), order.get(config - 1), order.toString());
        for (TestImages.Blob layer : oci.layers()) {
            assertTrue(order.indexOf("writing " + layer.digest()) > config, order.toString());
            assertTrue(order.indexOf("fetched " + layer.digest()) > order.indexOf("writing " + layer.digest()),
                    order.toString());
        }
        for (Path file : files) {
            assertEquals(root.resolve("content/ingest"), file.getParent(), "the partial file: " + file);
        }
    }

    @Test
    void pullByDigest() throws Exception {
        ImageReference reference = ImageReference.parse(registry.hostPort() + "/demo/oci@" + oci.manifest().digest());
        PullResult result = puller(registry.hostPort()).pull(reference, AMD64, PullListener.NONE);
        assertEquals(oci.manifest().digest(), result.manifestDigest());
        assertStored(new ContentStore(root), oci);
    }

    @Test
    void indexPicksLinuxAmd64() throws Exception {
        RecordingListener events = new RecordingListener();
        PullResult result = puller(registry.hostPort()).pull(registry.hostPort() + "/demo/multi:v1", AMD64, events);
        assertEquals(multi.amd64().manifest().digest(), result.manifestDigest());
        assertEquals(multi.amd64().config().descriptor(), result.config());
        assertEquals(AMD64, result.platform());
        assertEquals(AMD64, events.resolvedPlatform);
        assertStored(new ContentStore(root), multi.amd64());
        assertTrue(new ContentStore(root).has(multi.index().digest()), "index stored");
    }

    @Test
    void indexPicksTheHostPlatformByDefault() throws Exception {
        Platform host = Platform.host();
        Assumptions.assumeTrue(host.architecture().equals("amd64") || host.architecture().equals("arm64"),
                "the test index has amd64 and arm64 only");
        PullResult result = puller(registry.hostPort()).pull(registry.hostPort() + "/demo/multi:v1", null,
                PullListener.NONE);
        TestImages.Image expected = host.architecture().equals("amd64") ? multi.amd64() : multi.arm64();
        assertEquals(expected.manifest().digest(), result.manifestDigest());
    }

    @Test
    void indexPicksLinuxArm64WhenAsked() throws Exception {
        PullResult result = puller(registry.hostPort()).pull(registry.hostPort() + "/demo/multi:v1",
                Platform.parse("linux/arm64"), PullListener.NONE);
        assertEquals(multi.arm64().manifest().digest(), result.manifestDigest());
        assertEquals(multi.arm64().config().descriptor(), result.config());
        assertEquals("linux/arm64/v8", result.platform().toString());
        assertFalse(new ContentStore(root).has(multi.amd64().config().digest()), "the other platform is not fetched");
    }

    @Test
    void indexWithoutRequestedPlatformListsAvailable() throws Exception {
        BerthException e = assertThrows(BerthException.class, () -> puller(registry.hostPort())
                .pull(registry.hostPort() + "/demo/multi:v1", Platform.parse("linux/s390x"), PullListener.NONE));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("linux/s390x"), e.getMessage());
        assertTrue(e.getMessage().contains("available: linux/amd64, linux/arm64/v8"), e.getMessage());
    }

    @Test
    void dockerSchema2Manifest() throws Exception {
        PullResult result = puller(registry.hostPort()).pull(registry.hostPort() + "/demo/docker:v1", AMD64,
                PullListener.NONE);
        assertEquals(docker.manifest().digest(), result.manifestDigest());
        assertEquals(MediaTypes.DOCKER_MANIFEST, result.manifestMediaType());
        assertEquals(MediaTypes.DOCKER_CONFIG, result.config().mediaType());
        assertStored(new ContentStore(root), docker);
    }

    @Test
    void secondPullFetchesNothing() throws Exception {
        try (FakeRegistry proxy = new FakeRegistry(registry.uri("/"), (request, exchange) -> exchange.relay(request))) {
            Puller puller = puller(proxy.hostPort());
            String reference = proxy.hostPort() + "/demo/oci:v1";
            puller.pull(reference, AMD64, PullListener.NONE);
            int before = proxy.requests().size();
            RecordingListener events = new RecordingListener();
            PullResult second = puller.pull(reference, AMD64, events);
            assertEquals(0, second.bytesFetched());
            assertEquals(3, second.blobsFromCache());
            assertTrue(events.fetched.stream().allMatch(f -> f.endsWith("cache")), events.fetched.toString());
            List<FakeRegistry.Request> later = proxy.requests().subList(before, proxy.requests().size());
            assertTrue(later.stream().noneMatch(r -> r.path().contains("/blobs/")), later.toString());
        }
    }

    @Test
    void acceptHeaderCarriesAllFourManifestTypes() throws Exception {
        try (FakeRegistry proxy = new FakeRegistry(registry.uri("/"), (request, exchange) -> exchange.relay(request))) {
            puller(proxy.hostPort()).pull(proxy.hostPort() + "/demo/multi:v1", AMD64, PullListener.NONE);
            List<FakeRegistry.Request> manifestRequests = proxy.requests().stream()
                    .filter(r -> r.path().contains("/manifests/")).toList();
            assertEquals(2, manifestRequests.size(), "index, then the amd64 manifest");
            for (FakeRegistry.Request request : manifestRequests) {
                String accept = request.header("Accept");
                for (String type : MediaTypes.MANIFEST_TYPES) {
                    assertTrue(accept != null && accept.contains(type), "Accept " + accept + " lacks " + type);
                }
            }
        }
    }

    @Test
    void missingTagIsNotFound() throws Exception {
        BerthException e = assertThrows(BerthException.class, () -> puller(registry.hostPort())
                .pull(registry.hostPort() + "/demo/oci:nope", AMD64, PullListener.NONE));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().startsWith("pull " + registry.hostPort() + "/demo/oci:nope: fetch manifest nope: not found"),
                e.getMessage());
    }

    /** Records listener calls; thread-safe. */
    static final class RecordingListener implements PullListener {
        final List<String> fetched = new CopyOnWriteArrayList<>();
        final List<String> rejected = new CopyOnWriteArrayList<>();
        final List<Long> resumed = new CopyOnWriteArrayList<>();
        volatile Platform resolvedPlatform;

        @Override
        public void manifestResolved(ImageReference reference, Digest digest, String mediaType, Platform platform) {
            resolvedPlatform = platform;
        }

        @Override
        public void blobStarted(Descriptor blob, long resumeFrom) {
            resumed.add(resumeFrom);
        }

        @Override
        public void blobFetched(Descriptor blob, boolean fromCache, long bytes, long millis) {
            fetched.add(blob.digest() + (fromCache ? " cache" : " " + bytes));
        }

        @Override
        public void blobRejected(Descriptor blob, String reason) {
            rejected.add(blob.digest() + ": " + reason);
        }
    }
}
