package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults end to end, through the real daemon and CLI. A {@link FaultProxy} on 127.0.0.1 in front of the demo
 * registry drops, refuses, throttles, stalls, truncates and corrupts answers, one named case each: a pull
 * retries and ends with the correct image or a clear error, never a corrupt blob or a half snapshot under a
 * final name. Then a small tmpfs fills up under a daemon's state root during a pull, an unpack and log
 * appends: clear errors, nothing acknowledged lost, the daemon still serves and recovers after a restart.
 *
 * <p>The image the faults act on is made here: /bin/busybox and 8 MiB of random bytes, imported and pushed
 * to the demo registry by the daemon itself, so that "mid-blob" means something.
 */
class FaultIT {
    /** The read timeout the daemon's pulls use here, so that a stall costs a second per try, not 30. */
    static final int READ_TIMEOUT_MS = 1000;
    static final int RANDOM_BYTES = 8 << 20;
    static final String REPOSITORY = "fault/big:v1";

    @TempDir
    static Path base;

    static DemoRegistry registry;
    static Daemon daemon;
    static FaultProxy proxy;
    static String layer;
    static long layerSize;
    static String manifestDigest;
    static List<String> chainIds = new ArrayList<>();

    @BeforeAll
    static void seedTheRegistryWithABigImage() throws Exception {
        assertTrue(Files.isExecutable(Daemon.BERTH), "no distribution at " + Daemon.HOME + ": build launcher first");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            System.out.println("SKIPPED FaultIT: berth daemon must run as root");
        }
        assumeTrue(root, "berth daemon must run as root");
        long t0 = System.nanoTime();
        registry = DemoRegistry.start();
        System.out.println("FaultIT: demo registry up after " + (System.nanoTime() - t0) / 1_000_000 + " ms");

        Path rootfs = Files.createDirectories(base.resolve("big/bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"));
        byte[] random = new byte[RANDOM_BYTES];
        new Random(20261129).nextBytes(random);
        Files.write(Files.createDirectories(base.resolve("big/data")).resolve("random"), random);
        Path tar = base.resolve("big.tar");
        Cli.Result made = Cli.exec(List.of("tar", "--sort=name", "--numeric-owner", "--owner=0", "--group=0", "-C",
                base.resolve("big").toString(), "-cf", tar.toString(), "."), Map.of(), List.of(), null, 60);
        assertEquals(0, made.exit(), made.toString());

        daemon = new Daemon(base.resolve("faults"))
                .withEnvironment("BERTH_DAEMON_OPTS", "-Dberth.registry.read.timeout.ms=" + READ_TIMEOUT_MS).start();
        System.out.println("FaultIT: daemon up after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        String seeded = "127.0.0.1:" + registry.port + "/" + REPOSITORY;
        ok(daemon, "import", tar.toString(), seeded);
        ok(daemon, "push", seeded);
        JsonNode inspect = DaemonEndToEndIT.JSON.readTree(ok(daemon, "image", "inspect", seeded).stdout());
        manifestDigest = inspect.get("manifestDigest").asText();
        JsonNode layers = inspect.at("/manifest/layers");
        assertEquals(1, layers.size(), inspect.toString());
        layer = layers.get(0).get("digest").asText();
        layerSize = layers.get(0).get("size").asLong();
        assertTrue(layerSize > RANDOM_BYTES, "random bytes do not compress: " + layerSize);
        inspect.get("chainIds").forEach(c -> chainIds.add(c.asText()));
        // The faults start from an empty store: the image is pulled back through the proxy.
        removeAndPrune(daemon, seeded);
        proxy = new FaultProxy(registry.port);
        System.out.println("FaultIT: big image seeded (layer " + layerSize + " bytes) after "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    // ------------------------------------------------------------------ registry faults

    /** What one case expects of the faulty pull; {@code check} looks at the proxy's requests afterwards. */
    record Case(String name, FaultProxy.Rule rule, boolean succeeds, List<String> message,
                Consumer<Outcome> check) {
    }

    /** What a faulty pull did: the CLI's result, how long it took, the requests the proxy saw. */
    record Outcome(Cli.Result pull, long millis, List<FaultProxy.Request> requests) {
        List<FaultProxy.Request> layerRequests() {
            return requests.stream().filter(r -> r.isBlob(layer)).toList();
        }
    }

    static FaultProxy.Action onLayer(FaultProxy.Request r, boolean when, FaultProxy.Action action) {
        return r.isBlob(layer) && when ? action : FaultProxy.Action.PASS;
    }

    static long rangeStart(FaultProxy.Request r) {
        assertTrue(r.range() != null && r.range().matches("bytes=\\d+-"), "a resume asks for a Range: " + r);
        return Long.parseLong(r.range().substring(6, r.range().length() - 1));
    }

    static List<Case> cases() {
        FaultProxy.Action serverError = FaultProxy.Action.status(500, Map.of());
        String fetchBlob = "fetch blob " + layer;
        String gaveUp = "(gave up after 4 attempts)";
        return List.of(
                new Case("DropMidBlobOnceResumesWithRange",
                        r -> onLayer(r, r.nth() == 1, FaultProxy.Action.drop(1 << 20)), true, List.of(), o -> {
                            List<FaultProxy.Request> tries = o.layerRequests();
                            assertEquals(2, tries.size(), tries.toString());
                            assertEquals(null, tries.get(0).range());
                            long start = rangeStart(tries.get(1));
                            assertTrue(start > 0 && start <= 1 << 20, "resumed from what arrived: " + start);
                        }),
                new Case("DropMidBlobAlwaysFailsClearly",
                        r -> onLayer(r, true, FaultProxy.Action.drop(256 << 10)), false,
                        List.of(fetchBlob, gaveUp), o -> assertEquals(4, o.layerRequests().size(),
                                "bounded retries: " + o.layerRequests())),
                new Case("Registry500OnceThenOk",
                        r -> (r.isManifest() || r.isBlob(layer)) && r.nth() == 1 ? serverError : FaultProxy.Action.PASS,
                        true, List.of(), o -> {
                            assertEquals(2, o.requests().stream().filter(FaultProxy.Request::isManifest).count(),
                                    o.requests().toString());
                            assertEquals(2, o.layerRequests().size(), o.requests().toString());
                        }),
                new Case("Registry500AlwaysGivesUpAfterBoundedRetries",
                        r -> onLayer(r, true, serverError), false,
                        List.of(fetchBlob, "registry answered HTTP 500", gaveUp),
                        o -> assertEquals(4, o.layerRequests().size(), o.requests().toString())),
                new Case("TooManyRequestsWithRetryAfterWaits",
                        r -> onLayer(r, r.nth() == 1, FaultProxy.Action.status(429, Map.of("Retry-After", "1"))),
                        true, List.of(), o -> {
                            List<FaultProxy.Request> tries = o.layerRequests();
                            assertEquals(2, tries.size(), tries.toString());
                            long waited = (tries.get(1).nanos() - tries.get(0).nanos()) / 1_000_000;
                            assertTrue(waited >= 1000, "Retry-After: 1 honoured, waited " + waited + " ms");
                            assertTrue(o.millis() >= 1000, "the pull took " + o.millis() + " ms");
                        }),
                new Case("StallOnceIsRetried",
                        r -> onLayer(r, r.nth() == 1, FaultProxy.Action.stall(64 << 10, 3000)), true, List.of(),
                        o -> {
                            List<FaultProxy.Request> tries = o.layerRequests();
                            assertEquals(2, tries.size(), tries.toString());
                            assertEquals(64 << 10, rangeStart(tries.get(1)), "resumed after the stall");
                        }),
                new Case("StallAlwaysFailsWithinBoundedTime",
                        r -> onLayer(r, true, FaultProxy.Action.stall(64 << 10, 2500)), false,
                        List.of(fetchBlob, "stalled: no data for 1 s", gaveUp), o -> {
                            assertEquals(4, o.layerRequests().size(), o.requests().toString());
                            assertTrue(o.millis() < 30_000, "a stalled pull gives up in bounded time: " + o.millis());
                        }),
                new Case("TruncatedBodyOnceResumes",
                        r -> onLayer(r, r.nth() == 1, FaultProxy.Action.truncate(layerSize / 2)), true, List.of(),
                        o -> {
                            List<FaultProxy.Request> tries = o.layerRequests();
                            assertEquals(2, tries.size(), tries.toString());
                            assertEquals(layerSize / 2, rangeStart(tries.get(1)), "nothing fetched twice");
                        }),
                new Case("TruncatedManifestOnceIsRetried",
                        r -> r.isManifest() && r.nth() == 1 ? FaultProxy.Action.truncate(10) : FaultProxy.Action.PASS,
                        true, List.of(), o -> assertEquals(2,
                                o.requests().stream().filter(FaultProxy.Request::isManifest).count(),
                                o.requests().toString())),
                new Case("WrongDigestIsRejectedNamingTheDigest",
                        r -> onLayer(r, true, FaultProxy.Action.corrupt()), false,
                        List.of("blob " + layer + ": digest mismatch: got sha256:"),
                        o -> assertEquals(1, o.layerRequests().size(), "other bytes are not retried: "
                                + o.requests())));
    }

    @TestFactory
    Stream<DynamicTest> registryFaults() {
        assertTrue(layer != null, "the big image was not seeded");
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> runCase(c)));
    }

    void runCase(Case c) throws Exception {
        String reference = proxy.hostPort() + "/" + REPOSITORY;
        long before = head(daemon);
        proxy.use(c.rule());
        long start = System.nanoTime();
        Cli.Result pull = daemon.cli("pull", reference);
        long millis = (System.nanoTime() - start) / 1_000_000;
        Outcome outcome = new Outcome(pull, millis, proxy.requests());
        proxy.use(r -> FaultProxy.Action.PASS);
        System.out.println("FaultIT " + c.name() + ": exit " + pull.exit() + " in " + millis + " ms; "
                + (pull.exit() == 0 ? pull.stdout().lines().filter(l -> l.startsWith("Digest")).findFirst().orElse("")
                : "stderr: " + pull.stderr().strip()));
        if (c.succeeds()) {
            assertEquals(0, pull.exit(), pull.toString());
            assertTrue(pull.stdout().contains("Digest: " + manifestDigest), pull.toString());
        } else {
            assertEquals(1, pull.exit(), pull.toString());
            for (String part : c.message()) {
                assertTrue(pull.stderr().contains(part), "message lacks \"" + part + "\": " + pull);
            }
            assertTrue(pull.stderr().contains("pull " + reference), "names the reference: " + pull);
        }
        c.check().accept(outcome);

        assertStoreIntact(daemon.root, c.name());
        assertEquals(c.succeeds(), listsImage(daemon, reference), c.name() + ": berth images shows the image "
                + "only after a successful pull");
        List<JsonNode> events = eventsAfter(daemon, before);
        List<String> types = types(events);
        assertTrue(types.contains("pull.requested"), types.toString());
        if (c.succeeds()) {
            assertTrue(types.contains("image.pulled") && !types.contains("pull.failed"), types.toString());
            assertTrue(Files.isDirectory(snapshot(daemon.root, chainIds.get(0))), "snapshot of the layer");
        } else {
            assertTrue(types.contains("pull.failed") && !types.contains("image.pulled"), types.toString());
            assertFalse(Files.exists(blobPath(daemon.root, layer)), "no layer blob under its final name");
            for (String chainId : chainIds) {
                assertFalse(Files.exists(snapshot(daemon.root, chainId)), "no snapshot " + chainId);
            }
        }
        List<JsonNode> rejected = events.stream()
                .filter(e -> e.get("type").asText().equals("blob.rejected")).toList();
        if (c.name().startsWith("WrongDigest")) {
            assertEquals(1, rejected.size(), rejected.toString());
            assertEquals(layer, rejected.get(0).at("/payload/digest").asText());
            assertTrue(rejected.get(0).at("/payload/reason").asText().contains("digest mismatch"), rejected.toString());
        } else {
            assertEquals(List.of(), rejected, "nothing rejected when the bytes were right");
        }

        // The fault off, a clean pull succeeds (resuming what a failed one kept), and leaves nothing behind.
        Cli.Result clean = daemon.cli("pull", reference);
        assertEquals(0, clean.exit(), "clean pull after " + c.name() + ": " + clean);
        if (c.name().equals("DropMidBlobAlwaysFailsClearly")) {
            List<FaultProxy.Request> resumed = proxy.requests().stream().filter(r -> r.isBlob(layer)).toList();
            assertEquals(1, resumed.size(), resumed.toString());
            assertTrue(rangeStart(resumed.get(0)) > 0, "the next pull resumes the partial blob: " + resumed);
        }
        assertTrue(listsImage(daemon, reference), "berth images after the clean pull");
        assertStoreIntact(daemon.root, c.name() + " then clean pull");
        try (Stream<Path> ingest = Files.list(daemon.root.resolve("content/ingest"))) {
            assertEquals(List.of(), ingest.toList(), "no partial blob left after the clean pull");
        }
        assertEquals(sha256(blobPath(daemon.root, layer)), layer);

        // Back to an empty store for the next case.
        removeAndPrune(daemon, reference);
        assertFalse(Files.exists(blobPath(daemon.root, layer)));
    }

    // ------------------------------------------------------------------ a small filesystem

    @Test
    void aFullFilesystemGivesClearErrorsLosesNothingAcknowledgedAndTheDaemonServesOn() throws Exception {
        assertTrue(layer != null, "the big image was not seeded");
        Path mount = Files.createDirectories(base.resolve("small"));
        Cli.Result mounted = Cli.exec(List.of("mount", "-t", "tmpfs", "-o", "size=32m,mode=0755", "tmpfs",
                mount.toString()), Map.of(), List.of(), null, 30);
        if (mounted.exit() != 0) {
            System.out.println("SKIPPED FaultIT small filesystem: cannot mount a tmpfs here: " + mounted);
            assumeTrue(false, "cannot mount a tmpfs: " + mounted);
        }
        Daemon small = null;
        try {
            small = new Daemon(mount.resolve("root"), base.resolve("small-run"), base.resolve("small-plugins")).start();
            fullFilesystem(small, mount);
        } finally {
            if (small != null) {
                small.close();
            }
            Cli.Result unmounted = Cli.exec(List.of("umount", mount.toString()), Map.of(), List.of(), null, 30);
            if (unmounted.exit() != 0) {
                Cli.exec(List.of("umount", "-l", mount.toString()), Map.of(), List.of(), null, 30);
                fail("umount " + mount + ": " + unmounted);
            }
        }
    }

    private void fullFilesystem(Daemon small, Path mount) throws Exception {
        String big = "127.0.0.1:" + registry.port + "/" + REPOSITORY;
        Path filler = mount.resolve("filler");

        // (a) A pull into too little room: the blob write fails, naming the blob and the cause.
        fill(filler, mount, 3 << 20);
        Cli.Result pull = small.cli("pull", big);
        System.out.println("FaultIT full during pull: exit " + pull.exit() + "; stderr: " + pull.stderr().strip());
        assertEquals(1, pull.exit(), pull.toString());
        assertTrue(pull.stderr().contains(layer) && pull.stderr().contains("No space left on device"), pull.toString());
        assertTrue(pull.stderr().contains(mount.toString()), "names the file it was writing: " + pull);
        assertStoreIntact(small.root, "full during pull");
        assertFalse(Files.exists(blobPath(small.root, layer)));
        assertFalse(listsImage(small, big));
        assertServes(small, "after the pull failed for room");
        Files.delete(filler);
        Cli.Result again = small.cli("pull", big);
        assertEquals(0, again.exit(), "room again, the pull succeeds: " + again);
        assertStoreIntact(small.root, "pull after freeing room");
        removeAndPrune(small, big);

        // (b) Room for the blob, not for blob and expanded layer at once. The layer is unpacked while its blob
        // downloads, so whichever write finds the disk full first fails the pull, naming its file; either way no
        // snapshot under its name, nothing half-written, and the daemon serves on.
        fill(filler, mount, layerSize + (3 << 20));
        Cli.Result racing = small.cli("pull", big);
        System.out.println("FaultIT full while streaming: exit " + racing.exit() + "; stderr: " + racing.stderr().strip());
        assertEquals(1, racing.exit(), racing.toString());
        assertTrue(racing.stderr().contains(layer) && racing.stderr().contains("No space left on device")
                && racing.stderr().contains(mount.toString()), racing.toString());
        assertStoreIntact(small.root, "full while streaming");
        for (String chainId : chainIds) {
            assertFalse(Files.exists(snapshot(small.root, chainId)), "no snapshot " + chainId);
        }
        assertFalse(listsImage(small, big));
        assertServes(small, "after the streaming pull failed for room");
        Files.delete(filler);
        assertEquals(0, small.cli("pull", big).exit(), "room again, the pull succeeds");
        removeAndPrune(small, big);

        // (b') The blob already stored (a pull that stored it but never expanded it, as a crash can leave), no room
        // for the expanded layer: the unpack itself fails, no snapshot under its name, the blob is kept.
        assertEquals(0, small.cli("pull", big).exit());
        UnixHttp.Response untagged = small.http().exchange("DELETE", "/v1/images?reference=" + big, null, null);
        assertEquals(200, untagged.status(), untagged.body());
        for (String chainId : chainIds) {
            deleteTree(snapshot(small.root, chainId));
        }
        fill(filler, mount, 3 << 20);
        Cli.Result unpack = small.cli("pull", big);
        System.out.println("FaultIT full during unpack: exit " + unpack.exit() + "; stderr: " + unpack.stderr().strip());
        assertEquals(1, unpack.exit(), unpack.toString());
        assertTrue(unpack.stderr().contains("expand layer " + layer) && unpack.stderr().contains("No space left on device"),
                unpack.toString());
        assertTrue(unpack.stderr().contains(small.root.resolve("snapshots").toString()),
                "names the file it was writing: " + unpack);
        assertStoreIntact(small.root, "full during unpack");
        assertTrue(Files.exists(blobPath(small.root, layer)), "the verified blob is kept");
        for (String chainId : chainIds) {
            assertFalse(Files.exists(snapshot(small.root, chainId)), "no snapshot " + chainId);
        }
        assertFalse(listsImage(small, big));
        assertServes(small, "after the unpack failed for room");
        Files.delete(filler);
        assertEquals(0, small.cli("pull", big).exit(), "room again, the unpack succeeds");
        assertStoreIntact(small.root, "unpack after freeing room");
        removeAndPrune(small, big);

        // (c) Log appends on a full filesystem: refused clearly; every acknowledged event stays.
        ok(small, "pull", registry.busybox());
        ok(small, "run", "--rm", registry.busybox(), "true");
        fill(filler, mount, 0);
        List<String> acknowledged = new ArrayList<>();
        Cli.Result refused = null;
        String pad = "x".repeat(1500);
        for (int i = 0; i < 40 && refused == null; i++) {
            String text = "note " + i + " on a full filesystem " + pad;
            Cli.Result note = small.cli("note", text);
            if (note.exit() == 0) {
                acknowledged.add(text);
            } else {
                refused = note;
            }
        }
        assertTrue(refused != null, "some append on a full filesystem fails");
        System.out.println("FaultIT full during note (" + acknowledged.size() + " acknowledged first): exit "
                + refused.exit() + "; stderr: " + refused.stderr().strip());
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.stderr().contains("No space left on device"), refused.toString());
        assertTrue(refused.stderr().contains(mount.toString()), "names the log file it was writing: " + refused);
        Cli.Result run = small.cli("run", "--rm", registry.busybox(), "true");
        System.out.println("FaultIT full during run: exit " + run.exit() + "; stderr: " + run.stderr().strip());
        assertNotEquals(0, run.exit(), run.toString());
        assertTrue(run.stderr().contains("No space left on device"), run.toString());
        assertServes(small, "with the filesystem full");
        Cli.Result left = ok(small, "ps", "-a", "-q");
        System.out.println("FaultIT containers after the failed run: " + left.lines());
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(small.root.toString())).toList();
        assertEquals(List.of(), mounts, "the failed run left no rootfs mounted");

        Files.delete(filler);
        Cli.Result verify = small.cli("audit", "verify");
        assertEquals(0, verify.exit(), "the log is intact after the failed appends: " + verify);
        List<JsonNode> after = eventsAfter(small, 0);
        DaemonEndToEndIT.assertChained(after);
        List<String> notes = after.stream().filter(e -> e.get("type").asText().equals("note.added"))
                .map(e -> e.at("/payload/message").asText()).toList();
        assertEquals(acknowledged, notes, "every acknowledged note is in the log, the refused one is not");
        ok(small, "note", "room again");
        ok(small, "run", "--rm", registry.busybox(), "true");
        List<JsonNode> served = eventsAfter(small, 0);
        assertEquals(after, served.subList(0, after.size()), "nothing before is changed by later appends");
        Cli.Result containers = ok(small, "ps", "-a", "-q");
        assertEquals(List.of(), containers.lines(), "a failed run --rm leaves no container behind");

        // A restart on the same root recovers everything.
        assertEquals(0, small.stop());
        small.start();
        Cli.Result verifyAgain = small.cli("audit", "verify");
        assertEquals(0, verifyAgain.exit(), "the log is intact after a restart: " + verifyAgain);
        List<JsonNode> restarted = eventsAfter(small, 0);
        assertEquals(served, restarted.subList(0, served.size()), "the restart keeps every event");
        assertTrue(listsImage(small, registry.busybox()));
        ok(small, "run", "--rm", registry.busybox(), "true");
    }

    /** Writes {@code filler} until only {@code leave} bytes (about) stay free on the filesystem at {@code mount}. */
    static void fill(Path filler, Path mount, long leave) throws IOException {
        byte[] chunk = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(filler)) {
            if (leave > 0) {
                long usable = Files.getFileStore(mount).getUsableSpace();
                assertTrue(usable > leave, "the filesystem has " + usable + " bytes free, fewer than " + leave);
                for (long left = usable - leave; left > 0; left -= chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, left));
                }
                return;
            }
            for (int size = chunk.length; size >= 1; size /= 2) {
                try {
                    while (true) {
                        out.write(chunk, 0, size);
                        out.flush();
                    }
                } catch (IOException full) {
                    // No room for this size: try smaller writes.
                }
            }
        }
    }

    static void assertServes(Daemon d, String when) throws Exception {
        Cli.Result version = d.cli("version");
        assertEquals(0, version.exit(), "version " + when + ": " + version);
        Cli.Result ps = d.cli("ps", "-a");
        assertEquals(0, ps.exit(), "ps " + when + ": " + ps);
    }

    // ------------------------------------------------------------------ helpers

    static Cli.Result ok(Daemon d, String... args) throws Exception {
        Cli.Result result = d.cli(args);
        assertEquals(0, result.exit(), String.join(" ", args) + ": " + result);
        return result;
    }

    static long head(Daemon d) throws Exception {
        return DaemonEndToEndIT.JSON.readTree(d.http().get("/v1/info").body()).at("/eventLog/head/sequence").asLong();
    }

    /** The events after {@code sequence}, through the API (no CLI process: the cases stay fast). */
    static List<JsonNode> eventsAfter(Daemon d, long sequence) throws Exception {
        UnixHttp.Response answer = d.http().get("/v1/events?from=" + (sequence + 1));
        assertEquals(200, answer.status(), answer.body());
        List<JsonNode> events = new ArrayList<>();
        for (String line : answer.body().split("\n")) {
            if (!line.isBlank()) {
                events.add(DaemonEndToEndIT.JSON.readTree(line));
            }
        }
        return events;
    }

    /** Removes the image {@code reference} and prunes everything, through the API. */
    static void removeAndPrune(Daemon d, String reference) throws Exception {
        UnixHttp.Response removed = d.http().exchange("DELETE", "/v1/images?reference=" + reference, null, null);
        assertEquals(200, removed.status(), removed.body());
        UnixHttp.Response pruned = d.http().exchange("POST", "/v1/images/prune?grace=0", null, null);
        assertEquals(200, pruned.status(), pruned.body());
    }

    static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.get("type").asText()).toList();
    }

    static boolean listsImage(Daemon d, String reference) throws Exception {
        UnixHttp.Response images = d.http().get("/v1/images");
        assertEquals(200, images.status(), images.body());
        String name = reference.substring(0, reference.lastIndexOf(':'));
        for (JsonNode image : DaemonEndToEndIT.JSON.readTree(images.body()).path("images")) {
            for (JsonNode tag : image.path("tags")) {
                if (tag.asText().startsWith(name + ":")) {
                    return true;
                }
            }
        }
        return false;
    }

    static Path blobPath(Path root, String digest) {
        return root.resolve("content/blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    /** Deletes a tree the test arranged away, deepest first, without following links. */
    static void deleteTree(Path top) throws java.io.IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(top)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static Path snapshot(Path root, String chainId) {
        return root.resolve("snapshots").resolve(chainId.substring("sha256:".length()));
    }

    /** Every blob hashes to its name; every snapshot under a final name is complete; no work dir is left. */
    static void assertStoreIntact(Path root, String when) throws Exception {
        try (Stream<Path> blobs = Files.list(root.resolve("content/blobs/sha256"))) {
            for (Path blob : blobs.toList()) {
                assertEquals("sha256:" + blob.getFileName(), sha256(blob), when + ": blob " + blob + " is corrupt");
            }
        }
        Path snapshots = root.resolve("snapshots");
        if (Files.isDirectory(snapshots)) {
            try (Stream<Path> dirs = Files.list(snapshots)) {
                for (Path dir : dirs.toList()) {
                    String name = dir.getFileName().toString();
                    assertFalse(name.startsWith("tmp-"), when + ": unpack work dir left: " + dir);
                    assertTrue(Files.isRegularFile(dir.resolve("snapshot.json")) && Files.isDirectory(dir.resolve("fs")),
                            when + ": incomplete snapshot under a final name: " + dir);
                }
            }
        }
    }

    static String sha256(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                sha.update(buffer, 0, n);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }
}
