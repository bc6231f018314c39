package dev.berth.plugin.pull.impl;

import dev.berth.api.testing.Tries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.image.Platform;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes the manifest and index parsing of a pull ({@link RegistryClient#fetchManifest} and {@link Puller}), which
 * is only reachable through a whole pull: a {@link FakeRegistry} on 127.0.0.1 serves a generated world per try,
 * an OCI index or an image manifest whose JSON (or whose child manifest, or whose config) was mutated at the JSON
 * level (fields removed or replaced by values of other types, huge, negative and fractional sizes, bogus digests
 * and media types, blank platforms, duplicated layers, deep nesting) or at the byte level (flips, inserts,
 * deletions, truncation), with descriptors kept consistent so the mutation reaches the parser. It proves that a
 * pull either returns a result consistent with what was served or fails with a {@link BerthException} whose message
 * names the reference, never another exception and never a hang (each pull runs under a timeout), and that a huge
 * declared size allocates nothing: the store never holds more bytes than the registry sent.
 */
class ManifestFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Platform AMD64 = Platform.parse("linux/amd64");
    private static final RegistryClient.Options FAST = new RegistryClient.Options(Duration.ofSeconds(1),
            Duration.ofSeconds(2), 2, Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(10));
    private static final String REPOSITORY = "fuzz/img";
    private static final Duration PULL_TIMEOUT = Duration.ofSeconds(30);

    private static FakeRegistry fake;
    private static ExecutorService worker;
    /** What the fake serves now: manifests by tag or digest, blobs by digest. */
    private static final Map<String, TestImages.Blob> MANIFESTS = new ConcurrentHashMap<>();
    private static final Map<String, byte[]> BLOBS = new ConcurrentHashMap<>();
    private static final AtomicLong SERVED = new AtomicLong();
    private static TestImages.IndexImage base;

    @TempDir
    static Path folder;

    @BeforeAll
    static void start() throws IOException {
        base = TestImages.index("manifest-fuzz");
        // The upstream is never asked: every answer is canned.
        fake = new FakeRegistry(URI.create("http://127.0.0.1:9/"), (request, exchange) -> {
            String prefix = "/v2/" + REPOSITORY + "/";
            String path = request.path();
            if (path.startsWith(prefix + "manifests/")) {
                TestImages.Blob m = MANIFESTS.get(path.substring((prefix + "manifests/").length()));
                if (m != null) {
                    SERVED.addAndGet(m.bytes().length);
                    exchange.respond(200, Map.of("Content-Type", m.mediaType()), m.bytes());
                    return;
                }
            } else if (path.startsWith(prefix + "blobs/")) {
                byte[] blob = BLOBS.get(path.substring((prefix + "blobs/").length()));
                if (blob != null) {
                    SERVED.addAndGet(blob.length);
                    exchange.respond(200, Map.of("Content-Type", "application/octet-stream"), blob);
                    return;
                }
            }
            exchange.respond(404, Map.of("Content-Type", "application/json"),
                    "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"unknown\"}]}"
                            .getBytes(StandardCharsets.UTF_8));
        });
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "manifest-fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() throws IOException {
        if (worker != null) {
            worker.shutdownNow();
        }
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void mutatedManifestsPullOrFailWithABerthException() {
        AtomicInteger pulled = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        int tries = Tries.check("pull.mutated-manifests", 300, Duration.ofSeconds(5), (random, i) -> {
            String what = serveMutatedWorld(random);
            if (pullOnce(i, what)) {
                pulled.incrementAndGet();
            } else {
                refused.incrementAndGet();
            }
        });
        assertTrue(pulled.get() > 0, "no pull of " + tries + " succeeded: the mutations are degenerate");
        assertTrue(refused.get() > 0, "no pull of " + tries + " failed: the mutations are degenerate");
    }

    /** An edit of the served index (its first entry is the amd64 image) or of the image config. */
    @FunctionalInterface
    interface Edit {
        void apply(ObjectNode index, ObjectNode config);
    }

    static Stream<Arguments> blankPlatforms() {
        return Stream.of(
                Arguments.of(Named.of("IndexEntryOsIsASpace", (Edit) (index, config) ->
                        ((ObjectNode) index.path("manifests").path(0).path("platform")).put("os", " "))),
                Arguments.of(Named.of("IndexEntryArchitectureIsATab", (Edit) (index, config) ->
                        ((ObjectNode) index.path("manifests").path(0).path("platform")).put("architecture", "\t"))),
                Arguments.of(Named.of("ConfigOsIsASpace", (Edit) (index, config) -> config.put("os", " "))),
                Arguments.of(Named.of("ConfigArchitectureIsANewline", (Edit) (index, config) ->
                        config.put("architecture", "\n"))));
    }

    /**
     * A whitespace-only os or architecture is refused with a BerthException (it once escaped
     * {@code Puller.pull} as the IllegalArgumentException of {@code new Platform(" ", ...)}): in the config as
     * INVALID; in an index entry the entry names no platform, so none matches: NOT_FOUND listing the others.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("blankPlatforms")
    void blankPlatformFieldsAreRefusedAsInvalid(Edit edit) throws Exception {
        serve(true, edit);
        String reference = fake.hostPort() + "/" + REPOSITORY + ":v1";
        ContentStore store = new ContentStore(Files.createTempDirectory(folder, "blank-"));
        Puller puller = new Puller(new RegistryClient(fake.hostPort()::equals, Credentials.none(), FAST), store, 2);
        BerthException e = assertThrows(BerthException.class, () -> puller.pull(reference, AMD64,
                PullListener.NONE));
        assertTrue(e.kind() == dev.berth.api.ErrorKind.INVALID || e.kind() == dev.berth.api.ErrorKind.NOT_FOUND
                && e.getMessage().contains("no manifest for platform linux/amd64"), e.kind() + ": " + e.getMessage());
    }

    /** Serves the base amd64 image under tag v1, through the index or directly, after {@code edit}. */
    private static void serve(boolean viaIndex, Edit edit) throws IOException {
        MANIFESTS.clear();
        BLOBS.clear();
        TestImages.Image image = base.amd64();
        for (TestImages.Blob layer : image.layers()) {
            BLOBS.put(layer.digest().toString(), layer.bytes());
        }
        ObjectNode index = (ObjectNode) JSON.readTree(base.index().bytes());
        ObjectNode config = (ObjectNode) JSON.readTree(image.config().bytes());
        edit.apply(index, config);
        TestImages.Blob configBlob = new TestImages.Blob(image.config().mediaType(), JSON.writeValueAsBytes(config));
        BLOBS.put(configBlob.digest().toString(), configBlob.bytes());
        ObjectNode manifest = (ObjectNode) JSON.readTree(image.manifest().bytes());
        manifest.set("config", descriptor(configBlob));
        TestImages.Blob manifestBlob = new TestImages.Blob(image.manifest().mediaType(),
                JSON.writeValueAsBytes(manifest));
        MANIFESTS.put(manifestBlob.digest().toString(), manifestBlob);
        ObjectNode entry = (ObjectNode) index.path("manifests").path(0);
        entry.put("digest", manifestBlob.digest().toString());
        entry.put("size", manifestBlob.bytes().length);
        MANIFESTS.put("v1", viaIndex ? new TestImages.Blob(MediaTypes.OCI_INDEX, JSON.writeValueAsBytes(index))
                : manifestBlob);
    }

    /** Pulls the served tag; returns whether it succeeded, and fails the try on anything but the two outcomes. */
    private boolean pullOnce(int index, String what) throws Exception {
        Path root = Files.createDirectories(folder.resolve("store-" + index));
        ContentStore store = new ContentStore(root);
        String reference = fake.hostPort() + "/" + REPOSITORY + ":v1";
        long servedBefore = SERVED.get();
        Future<PullResult> run = worker.submit(() -> new Puller(new RegistryClient(fake.hostPort()::equals,
                Credentials.none(), FAST), store, 2).pull(reference, AMD64, PullListener.NONE));
        boolean ok;
        try {
            PullResult result = run.get(PULL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertConsistent(result, store, what);
            ok = true;
        } catch (TimeoutException e) {
            run.cancel(true);
            throw new AssertionError("the pull did not finish within " + PULL_TIMEOUT + " for " + what);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof BerthException b)) {
                throw new AssertionError("the pull threw " + e.getCause() + " (not a BerthException) for " + what,
                        e.getCause());
            }
            assertTrue(b.getMessage().startsWith("pull " + reference + ": "), b.getMessage());
            assertFalse(b.getMessage().substring(("pull " + reference + ": ").length()).isBlank(), b.getMessage());
            ok = false;
        }
        long served = SERVED.get() - servedBefore;
        long stored = sizeOf(root);
        assertTrue(stored <= served, "the store holds " + stored + " bytes but the registry sent " + served
                + " for " + what);
        return ok;
    }

    private static void assertConsistent(PullResult result, ContentStore store, String what) throws Exception {
        TestImages.Blob manifest = MANIFESTS.get(result.manifestDigest().toString());
        assertTrue(manifest != null, "the result names a manifest that was not served: " + result.manifestDigest()
                + " for " + what);
        JsonNode json = JSON.readTree(manifest.bytes());
        assertEquals(json.path("layers").size(), result.layers().size(), what);
        assertEquals(json.path("config").path("digest").asText(), result.config().digest().toString(), what);
        for (Descriptor d : result.layers()) {
            assertTrue(store.has(d.digest()), "layer " + d.digest() + " not stored for " + what);
        }
        assertTrue(store.has(result.config().digest()), what);
    }

    private static long sizeOf(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            long total = 0;
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p)) {
                    total += Files.size(p);
                }
            }
            return total;
        }
    }

    // ---- the served world ----------------------------------------------------------------------------------

    /**
     * Serves the base index's amd64 image under tag v1, either through the index or directly, with one document
     * (the top one, the child manifest or the config) mutated; returns what was done.
     */
    private static String serveMutatedWorld(Random random) throws IOException {
        MANIFESTS.clear();
        BLOBS.clear();
        TestImages.Image image = base.amd64();
        for (TestImages.Blob layer : image.layers()) {
            BLOBS.put(layer.digest().toString(), layer.bytes());
        }
        List<String> steps = new ArrayList<>();
        boolean viaIndex = random.nextBoolean();
        String target = pick(random, "top", "top", "top", "config", viaIndex ? "child" : "top");

        ObjectNode config = (ObjectNode) JSON.readTree(image.config().bytes());
        byte[] configBytes = target.equals("config") ? mutateDocument(random, config, steps, true)
                : image.config().bytes();
        TestImages.Blob configBlob = new TestImages.Blob(image.config().mediaType(), configBytes);
        BLOBS.put(configBlob.digest().toString(), configBytes);

        ObjectNode manifest = (ObjectNode) JSON.readTree(image.manifest().bytes());
        manifest.set("config", descriptor(configBlob));
        boolean mutateManifest = target.equals("child") || (target.equals("top") && !viaIndex);
        byte[] manifestBytes = mutateManifest ? mutateDocument(random, manifest, steps, false)
                : JSON.writeValueAsBytes(manifest);
        String manifestType = random.nextInt(10) == 0 ? pick(random, "", "text/plain", MediaTypes.OCI_INDEX)
                : image.manifest().mediaType();
        TestImages.Blob manifestBlob = new TestImages.Blob(manifestType, manifestBytes);
        MANIFESTS.put(manifestBlob.digest().toString(), manifestBlob);
        if (!viaIndex) {
            MANIFESTS.put("v1", manifestBlob);
            return "manifest " + target + " " + steps;
        }
        ObjectNode index = (ObjectNode) JSON.readTree(base.index().bytes());
        ObjectNode entry = (ObjectNode) index.path("manifests").path(0);
        entry.put("digest", manifestBlob.digest().toString());
        entry.put("size", manifestBytes.length);
        byte[] indexBytes = target.equals("top") ? mutateDocument(random, index, steps, false)
                : JSON.writeValueAsBytes(index);
        MANIFESTS.put("v1", new TestImages.Blob(MediaTypes.OCI_INDEX, indexBytes));
        return "index, " + target + " mutated " + steps;
    }

    private static ObjectNode descriptor(TestImages.Blob blob) {
        ObjectNode node = NODES.objectNode();
        node.put("mediaType", blob.mediaType());
        node.put("digest", blob.digest().toString());
        node.put("size", blob.bytes().length);
        return node;
    }

    /** Mutates a document at the JSON level (mostly) or the byte level, or replaces it whole. */
    private static byte[] mutateDocument(Random random, ObjectNode document, List<String> steps, boolean config)
            throws IOException {
        int how = random.nextInt(10);
        if (how == 0) {
            String whole = pick(random, "null", "[]", "\"manifest\"", "{}", "[".repeat(5000) + "]".repeat(5000),
                    "{\"schemaVersion\":2,\"size\":1e999999}", "", "{\"a\":" + "1".repeat(5000) + "}");
            steps.add("whole document " + shorten(whole));
            return whole.getBytes(StandardCharsets.UTF_8);
        }
        int edits = 1 + random.nextInt(3);
        for (int i = 0; i < edits; i++) {
            steps.add(editTree(random, document, config));
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(document);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException tooDeep) {
            // Nested edits went past what Jackson writes (depth 1000): serve a document that is too deep instead.
            steps.add("too deep to write");
            bytes = ("{\"layers\":" + "[".repeat(1500) + "]".repeat(1500) + "}").getBytes(StandardCharsets.UTF_8);
        }
        if (how < 3) {
            bytes = mutateBytes(random, bytes, steps);
        }
        return bytes;
    }

    /** One JSON-level edit at a random place of the tree. */
    private static String editTree(Random random, ObjectNode document, boolean config) {
        List<JsonNode> containers = new ArrayList<>();
        collect(document, containers);
        JsonNode holder = containers.get(random.nextInt(containers.size()));
        if (holder instanceof ObjectNode object) {
            List<String> fields = new ArrayList<>();
            object.fieldNames().forEachRemaining(fields::add);
            String field = fields.isEmpty() || random.nextInt(6) == 0 ? pick(random, "size", "digest", "mediaType",
                    "platform", "layers", "os") : fields.get(random.nextInt(fields.size()));
            if (random.nextInt(4) == 0) {
                object.remove(field);
                return "remove " + field;
            }
            JsonNode value = hostileValue(random, field, config);
            object.set(field, value);
            return field + "=" + shorten(value.toString());
        }
        ArrayNode array = (ArrayNode) holder;
        if (array.isEmpty() || random.nextInt(3) == 0) {
            JsonNode copy = array.isEmpty() ? hostileValue(random, "item", config) : array.get(0).deepCopy();
            int copies = pickInt(random, 1, 2, 50, 2000);
            for (int k = 0; k < copies; k++) {
                array.add(copy.deepCopy());
            }
            return "array +" + copies + " copies";
        }
        int at = random.nextInt(array.size());
        if (random.nextBoolean()) {
            array.remove(at);
            return "array remove [" + at + "]";
        }
        JsonNode value = hostileValue(random, "item", config);
        array.set(at, value);
        return "array [" + at + "]=" + shorten(value.toString());
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                collect(it.next(), out);
            }
        }
    }

    /** A value of the wrong type, or the right type with a hostile value, for {@code field}. */
    private static JsonNode hostileValue(Random random, String field, boolean config) {
        if (field.equals("os") || field.equals("architecture")) {
            // Whitespace-only values have their own named cases (blankPlatformFieldsAreRefusedAsInvalid).
            return pick(random, NODES.textNode(""), NODES.textNode("linux"), NODES.textNode("amd64"),
                    NODES.textNode("ü"), NODES.numberNode(7), NODES.nullNode(), NODES.objectNode(),
                    NODES.textNode("x".repeat(5000)));
        }
        return switch (random.nextInt(field.equals("size") ? 4 : 8)) {
            case 0 -> pick(random, NODES.numberNode(1L << 40), NODES.numberNode((1L << 40) + 1),
                    NODES.numberNode(Long.MAX_VALUE), NODES.numberNode(new BigInteger("9".repeat(40))),
                    NODES.numberNode(-1), NODES.numberNode(1.5), NODES.numberNode(1e308), NODES.numberNode(0));
            case 1 -> pick(random, NODES.textNode("12"), NODES.textNode(""), NODES.textNode(" "), NODES.nullNode(),
                    NODES.booleanNode(true));
            case 2 -> NODES.numberNode(random.nextInt(100_000));
            case 3 -> pick(random, NODES.arrayNode(), NODES.objectNode(), nested(random.nextInt(900)));
            case 4 -> NODES.textNode(pick(random, "sha256:" + "g".repeat(64), "sha256:abc", "md5:00",
                    "sha256:" + "0".repeat(64), ":", "sha512:" + "a".repeat(64), "x".repeat(70_000)));
            case 5 -> NODES.textNode(pick(random, MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST, MediaTypes.OCI_CONFIG,
                    MediaTypes.DOCKER_MANIFEST_LIST, "application/json", " ", "\u0000"));
            case 6 -> config ? NODES.textNode(pick(random, "", "linux", "amd64", "ü")) : platform(random);
            default -> NODES.textNode(pick(random, " ", "", "linux", "amd64", "\n", "😀"));
        };
    }

    private static JsonNode platform(Random random) {
        ObjectNode p = NODES.objectNode();
        p.put("os", pick(random, "linux", "", "windows"));
        p.put("architecture", pick(random, "amd64", "", "arm64"));
        if (random.nextBoolean()) {
            p.set("variant", pick(random, NODES.textNode(" "), NODES.numberNode(8), NODES.nullNode()));
        }
        return p;
    }

    private static JsonNode nested(int depth) {
        JsonNode node = NODES.textNode("deep");
        for (int i = 0; i < depth; i++) {
            node = NODES.arrayNode().add(node);
        }
        return node;
    }

    private static byte[] mutateBytes(Random random, byte[] in, List<String> steps) {
        byte[] out = in.clone();
        int at = random.nextInt(Math.max(1, out.length));
        switch (random.nextInt(4)) {
            case 0 -> {
                out[at] ^= (byte) (1 << random.nextInt(8));
                steps.add("flip@" + at);
            }
            case 1 -> {
                out = java.util.Arrays.copyOf(out, at);
                steps.add("truncate@" + at);
            }
            case 2 -> {
                byte[] longer = new byte[out.length + 1];
                System.arraycopy(out, 0, longer, 0, at);
                longer[at] = (byte) pickInt(random, '{', '[', '"', ',', ':', '\\', 0, 0xff);
                System.arraycopy(out, at, longer, at + 1, out.length - at);
                out = longer;
                steps.add("insert@" + at);
            }
            default -> {
                out[at] = (byte) random.nextInt(256);
                steps.add("set@" + at);
            }
        }
        return out;
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    private static int pickInt(Random random, int... values) {
        return values[random.nextInt(values.length)];
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "...(" + s.length() + " chars)" : s;
    }
}
