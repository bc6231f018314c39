package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogHead;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.Platform;
import dev.berth.api.stage.PushRequest;
import dev.berth.api.stage.PushedImage;
import dev.berth.api.stage.StageProgress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pushes images from a content store to a real {@code docker-registry} on 127.0.0.1, and reads them back. */
class PusherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RegistryClient.Options FAST = new RegistryClient.Options(Duration.ofSeconds(2),
            Duration.ofSeconds(10), 3, Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(2));

    @TempDir
    static Path registryDir;
    private static RegistryServer registry;
    /** An image with a 200 kB layer, for chunking. */
    private static TestImages.Image big;

    @TempDir
    Path root;

    @BeforeAll
    static void startRegistry() throws Exception {
        Assumptions.assumeTrue(RegistryServer.available(), "docker-registry is not installed");
        registry = RegistryServer.start(registryDir);
        big = TestImages.image(false, "amd64", "push-big", 200_000);
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private Pusher pusher(String host, long chunkBytes, int concurrency) throws BerthException {
        return new Pusher(new UploadClient(host::equals, Credentials.none(), FAST, chunkBytes), new ContentStore(root),
                concurrency);
    }

    private Pusher pusher() throws BerthException {
        return pusher(registry.hostPort(), UploadClient.DEFAULT_CHUNK_BYTES, 3);
    }

    private TestImages.Image stored(TestImages.Image image) throws Exception {
        TestImages.store(new ContentStore(root), image);
        return image;
    }

    private static PushRequest request(String reference, TestImages.Image image, String... sources) {
        return new PushRequest(ImageReference.parse(reference), image.manifest().digest(), Set.of(),
                Arrays.stream(sources).map(ImageReference::parse).toList());
    }

    private static long blobBytes(TestImages.Image image) {
        return image.blobs().stream().mapToLong(b -> b.bytes().length).sum();
    }

    @ParameterizedTest(name = "docker schema 2: {0}")
    @ValueSource(booleans = {false, true})
    void pushedImageIsServedAndPullsBackWithTheSameDigest(boolean docker) throws Exception {
        TestImages.Image image = stored(TestImages.image(docker, "amd64", "roundtrip-" + docker, 4096));
        String repository = "push/roundtrip-" + (docker ? "docker" : "oci");
        PushedImage pushed = pusher().push(request(registry.hostPort() + "/" + repository + ":v1", image),
                PushListener.NONE);
        assertEquals(image.manifest().digest(), pushed.manifestDigest());
        assertEquals(List.of(3, 0, 0), List.of(pushed.uploaded(), pushed.existing(), pushed.mounted()));
        assertEquals(blobBytes(image) + image.manifest().bytes().length, pushed.bytesSent());

        TestImages.Blob served = TestImages.manifest(registry, repository, "v1");
        assertNotNull(served, "the tag exists");
        assertArrayEquals(image.manifest().bytes(), served.bytes(), "the exact stored bytes");
        assertEquals(image.manifest().mediaType(), served.mediaType());

        Path other = Files.createTempDirectory(root, "pulled");
        Puller puller = new Puller(new RegistryClient(registry.hostPort()::equals, Credentials.none(), FAST),
                new ContentStore(other), 3);
        PullResult pulled = puller.pull(registry.hostPort() + "/" + repository + ":v1", Platform.parse("linux/amd64"),
                PullListener.NONE);
        assertEquals(image.manifest().digest(), pulled.manifestDigest());
        assertEquals(blobBytes(image), pulled.bytesFetched());
    }

    @Test
    void secondPushFindsEveryBlobThere() throws Exception {
        TestImages.Image image = stored(TestImages.image(false, "amd64", "twice", 4096));
        String reference = registry.hostPort() + "/push/twice:v1";
        pusher().push(request(reference, image), PushListener.NONE);
        RecordingListener events = new RecordingListener();
        PushedImage again = pusher().push(request(reference, image), events);
        assertEquals(List.of(0, 3, 0), List.of(again.uploaded(), again.existing(), again.mounted()));
        assertEquals(image.manifest().bytes().length, again.bytesSent(), "only the manifest is sent");
        assertEquals(image.blobs().stream().map(b -> b.digest() + " exists").collect(Collectors.toSet()),
                Set.copyOf(events.pushed));
    }

    @Test
    void blobsAreMountedFromASourceRepositoryOfTheSameRegistry() throws Exception {
        TestImages.Image image = stored(TestImages.image(false, "amd64", "mount", 4096));
        pusher().push(request(registry.hostPort() + "/push/base:v1", image), PushListener.NONE);
        RecordingListener events = new RecordingListener();
        PushedImage pushed = pusher().push(request(registry.hostPort() + "/push/derived:v1", image,
                "elsewhere.example/push/base:v1", registry.hostPort() + "/push/derived:v0",
                registry.hostPort() + "/push/base:v1"), events);
        assertEquals(List.of(0, 0, 3), List.of(pushed.uploaded(), pushed.existing(), pushed.mounted()));
        assertEquals(image.blobs().stream().map(b -> b.digest() + " mounted from push/base").collect(Collectors.toSet()),
                Set.copyOf(events.pushed));
        for (TestImages.Blob blob : image.blobs()) {
            assertTrue(TestImages.hasBlob(registry, "push/derived", blob.digest()), "mounted " + blob.digest());
        }
        assertNotNull(TestImages.manifest(registry, "push/derived", "v1"));
    }

    @Test
    void declinedMountFallsBackToAnUploadInTheSessionTheRegistryOpened() throws Exception {
        TestImages.Image image = stored(TestImages.image(false, "amd64", "declined", 4096));
        try (FakeRegistry proxy = new FakeRegistry(registry.uri("/"), (r, x) -> x.relay(r))) {
            RecordingListener events = new RecordingListener();
            PushedImage pushed = pusher(proxy.hostPort(), UploadClient.DEFAULT_CHUNK_BYTES, 3).push(
                    request(proxy.hostPort() + "/push/declined:v1", image, proxy.hostPort() + "/push/nothing-here:v1"),
                    events);
            assertEquals(List.of(3, 0, 0), List.of(pushed.uploaded(), pushed.existing(), pushed.mounted()));
            List<FakeRegistry.Request> posts = proxy.requests().stream().filter(r -> r.method().equals("POST")).toList();
            assertEquals(3, posts.size(), posts.toString());
            assertTrue(posts.stream().allMatch(r -> r.target().contains("mount=sha256%3A")
                    && r.target().contains("from=push%2Fnothing-here")), posts.toString());
        }
        assertNotNull(TestImages.manifest(registry, "push/declined", "v1"));
    }

    static Stream<Arguments> chunkSizes() {
        long layer = big.layers().get(1).bytes().length;
        return Stream.of(
                Arguments.of("tiny chunks", 8000L),
                Arguments.of("two uneven chunks", layer - 1),
                Arguments.of("chunk size equals the layer: one PUT", layer));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chunkSizes")
    void largeBlobsGoInChunks(String name, long chunkBytes) throws Exception {
        stored(big);
        TestImages.Blob layer = big.layers().get(1);
        String repository = "push/chunked-" + chunkBytes;
        try (FakeRegistry proxy = new FakeRegistry(registry.uri("/"), (r, x) -> x.relay(r))) {
            pusher(proxy.hostPort(), chunkBytes, 1).push(request(proxy.hostPort() + "/" + repository + ":v1", big),
                    PushListener.NONE);
            List<FakeRegistry.Request> requests = proxy.requests();
            FakeRegistry.Request finish = requests.stream()
                    .filter(r -> r.method().equals("PUT") && r.target().contains("digest=" + layer.digest().toString()
                            .replace(":", "%3A"))).findFirst().orElseThrow();
            List<FakeRegistry.Request> patches = requests.stream()
                    .filter(r -> r.method().equals("PATCH") && r.path().equals(finish.path())).toList();
            long size = layer.bytes().length;
            List<String> expected = new ArrayList<>();
            for (long offset = 0; size > chunkBytes && offset < size; offset += chunkBytes) {
                expected.add(offset + "-" + (Math.min(offset + chunkBytes, size) - 1));
            }
            assertEquals(expected, patches.stream().map(r -> r.header("Content-Range")).toList());
            for (FakeRegistry.Request patch : patches) {
                assertEquals("application/octet-stream", patch.header("Content-Type"));
                String[] range = patch.header("Content-Range").split("-");
                assertEquals(Long.parseLong(range[1]) - Long.parseLong(range[0]) + 1, patch.body().length);
            }
            assertEquals(size > chunkBytes ? 0 : size, finish.body().length, "the closing PUT carries the rest");
            assertTrue(requests.stream().filter(r -> r.method().equals("PATCH"))
                    .allMatch(r -> r.path().equals(finish.path())), "small blobs are not chunked");
        }
        assertArrayEquals(big.manifest().bytes(), TestImages.manifest(registry, repository, "v1").bytes());
        assertTrue(TestImages.hasBlob(registry, repository, layer.digest()));
    }

    @Test
    void anIndexIsRefusedBeforeAnyRequest() throws Exception {
        TestImages.IndexImage index = TestImages.index("push-index");
        TestImages.store(new ContentStore(root), index);
        try (FakeRegistry proxy = new FakeRegistry(registry.uri("/"), (r, x) -> x.relay(r))) {
            PushRequest request = new PushRequest(ImageReference.parse(proxy.hostPort() + "/push/index:v1"),
                    index.index().digest(), Set.of(), List.of());
            BerthException e = assertThrows(BerthException.class,
                    () -> pusher(proxy.hostPort(), UploadClient.DEFAULT_CHUNK_BYTES, 3).push(request, PushListener.NONE));
            assertEquals(ErrorKind.INVALID, e.kind());
            assertTrue(e.getMessage().startsWith("push " + proxy.hostPort() + "/push/index:v1: manifest "
                    + index.index().digest() + " is an index"), e.getMessage());
            assertTrue(e.getMessage().contains("only single-platform images are pushed"), e.getMessage());
            assertEquals(List.of(), proxy.requests());
        }
    }

    static Stream<Arguments> missingContent() {
        TestImages.Image image = TestImages.image(false, "amd64", "missing", 1024);
        return Stream.of(
                Arguments.of("manifest", image, List.<TestImages.Blob>of(), image.manifest()),
                Arguments.of("config", image, List.of(image.manifest(), image.layers().get(0), image.layers().get(1)),
                        image.config()),
                Arguments.of("layer", image, List.of(image.manifest(), image.config(), image.layers().get(0)),
                        image.layers().get(1)));
    }

    @ParameterizedTest(name = "missing {0}")
    @MethodSource("missingContent")
    void missingStoredContentIsNotFound(String what, TestImages.Image image, List<TestImages.Blob> present,
                                       TestImages.Blob missing) throws Exception {
        ContentStore store = new ContentStore(root);
        for (TestImages.Blob blob : present) {
            store.put(blob.descriptor(), blob.bytes());
        }
        try (FakeRegistry proxy = new FakeRegistry(registry.uri("/"), (r, x) -> x.relay(r))) {
            BerthException e = assertThrows(BerthException.class, () -> pusher(proxy.hostPort(),
                    UploadClient.DEFAULT_CHUNK_BYTES, 3).push(request(proxy.hostPort() + "/push/missing:v1", image),
                    PushListener.NONE));
            assertEquals(ErrorKind.NOT_FOUND, e.kind());
            assertTrue(e.getMessage().contains(missing.digest() + ": not in the content store")
                    || e.getMessage().contains(missing.digest() + " of manifest"), e.getMessage());
            assertEquals(List.of(), proxy.requests(), "nothing is sent");
        }
    }

    @Test
    void stageRecordsABlobPushedEventPerBlobAndReportsProgress() throws Exception {
        TestImages.Image image = stored(TestImages.image(true, "amd64", "events", 4096));
        RecordingLog log = new RecordingLog();
        RegistryPushStage stage = new RegistryPushStage(root, log, UploadClient.DEFAULT_CHUNK_BYTES, FAST);
        Set<String> insecure = Set.of(registry.hostPort());
        String name = registry.hostPort() + "/push/events";
        Map<String, List<String>> statuses = new ConcurrentHashMap<>();
        StageProgress progress = (item, status, current, total) ->
                statuses.computeIfAbsent(item, k -> new CopyOnWriteArrayList<>()).add(status + " " + current + "/" + total);

        PushedImage first = stage.push(new PushRequest(ImageReference.parse(name + ":v1"), image.manifest().digest(),
                insecure, List.of()), progress);
        assertEquals(3, first.uploaded());
        assertEvents(log, image, name, "uploaded", null);
        for (TestImages.Blob blob : image.blobs()) {
            List<String> lines = statuses.get(blob.digest().shortHex());
            long size = blob.bytes().length;
            assertEquals("preparing 0/" + size, lines.get(0));
            assertTrue(lines.contains("pushing " + size + "/" + size), lines.toString());
            assertEquals("pushed " + size + "/" + size, lines.get(lines.size() - 1));
        }

        log.drafts.clear();
        statuses.clear();
        stage.push(new PushRequest(ImageReference.parse(name + ":v2"), image.manifest().digest(), insecure, List.of()),
                progress);
        assertEvents(log, image, name, "exists", null);
        assertTrue(statuses.values().stream().allMatch(l -> l.get(l.size() - 1).startsWith("exists")),
                statuses.toString());

        log.drafts.clear();
        statuses.clear();
        stage.push(new PushRequest(ImageReference.parse(registry.hostPort() + "/push/events-copy:v1"),
                image.manifest().digest(), insecure, List.of(ImageReference.parse(name + ":v1"))), progress);
        assertEvents(log, image, registry.hostPort() + "/push/events-copy", "mounted", name);
        assertTrue(statuses.values().stream().allMatch(l -> l.get(l.size() - 1).startsWith("mounted from push/events ")),
                statuses.toString());
    }

    private static void assertEvents(RecordingLog log, TestImages.Image image, String repository, String how,
                                     String from) throws Exception {
        assertEquals(image.blobs().size(), log.drafts.size(), log.drafts.toString());
        Set<String> subjects = image.blobs().stream().map(b -> b.digest().toString()).collect(Collectors.toSet());
        for (EventDraft draft : log.drafts) {
            assertEquals("blob.pushed", draft.type());
            assertEquals(1, draft.version());
            assertTrue(subjects.remove(draft.subject()), "one event per blob: " + draft.subject());
            JsonNode payload = JSON.readTree(draft.payload());
            TestImages.Blob blob = image.blobs().stream().filter(b -> b.digest().toString().equals(draft.subject()))
                    .findFirst().orElseThrow();
            assertEquals(draft.subject(), payload.get("digest").asText());
            assertEquals(blob.mediaType(), payload.get("mediaType").asText());
            assertEquals(blob.bytes().length, payload.get("size").asLong());
            assertEquals(repository, payload.get("repository").asText());
            assertEquals(how, payload.get("how").asText());
            assertEquals(from, payload.get("from").isNull() ? null : payload.get("from").asText());
            assertTrue(payload.get("millis").asLong() >= 0);
        }
    }

    @Test
    void chunkSizeProperty() throws Exception {
        assertEquals(16L << 20, RegistryPushStage.chunkBytes(null));
        assertEquals(16L << 20, RegistryPushStage.chunkBytes(" "));
        assertEquals(4096, RegistryPushStage.chunkBytes(" 4096 "));
        for (String bad : List.of("0", "-5", "16MiB")) {
            BerthException e = assertThrows(BerthException.class, () -> RegistryPushStage.chunkBytes(bad));
            assertEquals(ErrorKind.INVALID, e.kind());
            assertTrue(e.getMessage().contains(RegistryPushStage.CHUNK_BYTES_PROPERTY), e.getMessage());
        }
    }

    @Test
    void skopeoReadsAPushedImage() throws Exception {
        Path skopeo = Path.of("/usr/bin/skopeo");
        if (!Files.isExecutable(skopeo)) {
            System.out.println("SKIP skopeoReadsAPushedImage: " + skopeo + " is not installed");
            return;
        }
        TestImages.Image image = stored(TestImages.image(false, "amd64", "skopeo", 2048));
        pusher().push(request(registry.hostPort() + "/push/skopeo:v1", image), PushListener.NONE);
        Process process = new ProcessBuilder(skopeo.toString(), "inspect", "--tls-verify=false",
                "docker://" + registry.hostPort() + "/push/skopeo:v1").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "skopeo finished");
        assertEquals(0, process.exitValue(), output);
        JsonNode inspected = JSON.readTree(output);
        assertEquals(image.manifest().digest().toString(), inspected.get("Digest").asText(), output);
        assertEquals("amd64", inspected.get("Architecture").asText(), output);
        assertEquals(2, inspected.get("Layers").size(), output);
    }

    /** Records push callbacks as "digest how[ from repository]"; thread-safe. */
    static final class RecordingListener implements PushListener {
        final List<String> pushed = new CopyOnWriteArrayList<>();

        @Override
        public void blobPushed(ImageReference target, Descriptor blob, UploadClient.BlobResult result, long millis) {
            pushed.add(blob.digest() + " " + result.how().label() + (result.from() == null ? "" : " from " + result.from()));
        }
    }

    /** An event log that keeps the drafts appended to it and acknowledges them at once. */
    static final class RecordingLog implements EventLog {
        final List<EventDraft> drafts = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<EventRecord> append(EventDraft draft) {
            drafts.add(draft);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public LogHead head() {
            throw new UnsupportedOperationException();
        }

        @Override
        public EventCursor read(long fromSequence) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long firstSequenceAtOrAfter(Instant time) {
            throw new UnsupportedOperationException();
        }

        @Override
        public AutoCloseable subscribe(Consumer<EventRecord> listener) {
            throw new UnsupportedOperationException();
        }
    }
}
