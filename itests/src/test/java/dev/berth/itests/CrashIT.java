package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.schemas.EventSchemas;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Crash testing: one daemon on one state root (its log growing across iterations, as in real life), killed
 * with SIGKILL at a random moment while {@value #CLIENTS} clients pull two images (the demo busybox and a
 * second one with an 8 MiB random file, so kills land mid-blob and mid-unpack), create and start
 * containers (mid-mount), exec, stop, kill and remove them, write notes, swap the default runtime between
 * runc and crun, and remove and prune the big image. After each restart, once the engine has reconciled:
 * the chain verifies, every operation a client saw acknowledged has its event in the log, no blob or
 * snapshot is half-written under its final name, no mount, container folder, runtime state or cgroup is
 * left to a container that does not need it, and {@code ps -a} agrees with what runc and crun hold.
 * Anomalies are collected with their iteration and reported together at the end.
 *
 * <p>Bounds: {@code -Dberth.crash.iterations=N} (default 25) and {@code -Dberth.crash.minutes=M} (default
 * 6), whichever comes first; {@code -Dberth.crash.seed=S} repeats a run's random choices (not its timing).
 */
class CrashIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ITERATIONS = Integer.getInteger("berth.crash.iterations", 25);
    private static final double MINUTES = Double.parseDouble(System.getProperty("berth.crash.minutes", "6"));
    private static final int CLIENTS = 3;
    private static final String RUNC = "dev.berth.plugin.runc";
    private static final String CRUN = "dev.berth.plugin.crun";
    private static final java.util.regex.Pattern HEX64 = java.util.regex.Pattern.compile("[0-9a-f]{64}");

    private DemoRegistry registry;
    private Daemon daemon;
    private Path base;
    private String busybox;
    private String big;
    /** Reference listings (path to type and size) of each known snapshot, by chain id hex. */
    private final Map<String, Map<String, String>> snapshotListings = new HashMap<>();
    /** Every container id this test's daemon ever created (from create answers and the log). */
    private final Set<String> ourIds = ConcurrentHashMap.newKeySet();
    /** The whole log read so far, by sequence; and the per-subject index of it. */
    private final List<JsonNode> log = new ArrayList<>();
    private final List<String> anomalies = new ArrayList<>();
    private final EventSchemas schemas = new EventSchemas();

    // ---- the shared world the clients act on --------------------------------------------------------

    /** What the clients know of a container: its id and whether it was started or made with --rm. */
    private static final class Known {
        final String id;
        final boolean autoRemove;
        final boolean longRunning;
        volatile boolean started;
        volatile boolean startTried;

        Known(String id, boolean autoRemove, boolean longRunning) {
            this.id = id;
            this.autoRemove = autoRemove;
            this.longRunning = longRunning;
        }
    }

    private final Map<String, Known> known = new ConcurrentHashMap<>();
    /** Set when a create found no busybox image (removed between iterations): the next run pulls it first. */
    private final AtomicBoolean busyboxMissing = new AtomicBoolean();
    /** Pulls hold it shared, the big image's removal and prune exclusively (a 0 s grace would race a pull). */
    private final ReentrantReadWriteLock storeLock = new ReentrantReadWriteLock();
    /** Runtime swaps, one at a time, so each acknowledged one has its own event. */
    private final ReentrantLock swapLock = new ReentrantLock();

    // ---- operations and what the log must hold for each acknowledged one -----------------------------

    /** One operation a client sent: what, on what, whether it was acknowledged and with what answer. */
    private static final class Op {
        final String kind;
        final String target;
        final long sentNanos = System.nanoTime();
        long millis;
        boolean acked;
        int status;
        String answer = "";
        JsonNode json;
        /** For a note: the sequence the daemon answered with. */
        long sequence;
        /** What the log must then hold. */
        final List<Expect> expects = new ArrayList<>();

        Op(String kind, String target) {
            this.kind = kind;
            this.target = target;
        }

        @Override
        public String toString() {
            return kind + (target == null ? "" : " " + target);
        }
    }

    /**
     * An event the log must hold: of {@code type}, about {@code subject} (null: any) with {@code field} of its
     * payload equal to {@code value} (null: any), between two sequences the client saw (exclusive), one
     * event per expectation, unless it is {@code shared}: an idempotent operation (two clients removing the
     * same container are both answered once it is removed, and the log has one removal).
     */
    private record Expect(String type, String subject, String field, String value, long exactSequence,
            boolean shared) {
        Expect(String type, String subject, String field, String value, long exactSequence) {
            this(type, subject, field, value, exactSequence, false);
        }

        String key() {
            return type + "|" + subject + "|" + field + "|" + value;
        }
    }

    private final class Client implements Runnable {
        final int number;
        final Random random;
        final List<Op> ops = new ArrayList<>();
        final AtomicBoolean stop;
        volatile Op inFlight;
        final UnixHttp http;
        final int iteration;

        Client(int number, long seed, AtomicBoolean stop, int iteration) {
            this.number = number;
            this.random = new Random(seed);
            this.stop = stop;
            this.http = daemon.http();
            this.iteration = iteration;
        }

        @Override
        public void run() {
            // Every other operation is a note: its sequence bounds where the events of the ones around it are.
            boolean fence = true;
            while (!stop.get()) {
                try {
                    if (fence) {
                        note();
                    } else {
                        pick();
                    }
                } catch (IOException e) {
                    return; // the daemon went away under this client
                }
                fence = !fence;
            }
        }

        /** Sends one operation and records it; IOException: the daemon went away (the op is unacknowledged). */
        private Op send(String kind, String target, String method, String path, String body) throws IOException {
            Op op = new Op(kind, target);
            inFlight = op;
            synchronized (ops) {
                ops.add(op);
            }
            try {
                UnixHttp.Response response = body == null && method.equals("GET") ? http.get(path)
                        : http.exchange(method, path, body == null ? null : "application/json",
                                body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                op.status = response.status();
                op.answer = response.body();
                if (path.startsWith("/v1/images/pull") || path.startsWith("/v1/images/import")
                        || path.startsWith("/v1/images/push")) {
                    List<String> lines = response.body().lines().filter(l -> !l.isBlank()).toList();
                    JsonNode last = lines.isEmpty() ? null : parse(lines.get(lines.size() - 1));
                    op.json = last;
                    op.acked = response.status() == 200 && last != null && "done".equals(last.path("status").asText());
                } else {
                    op.acked = response.status() / 100 == 2;
                    op.json = op.answer.isBlank() ? null : parse(op.answer);
                }
            } finally {
                op.millis = (System.nanoTime() - op.sentNanos) / 1_000_000;
                inFlight = null;
            }
            return op;
        }

        private Op note() throws IOException {
            String message = "crash it" + iteration + " client " + number + " " + Long.toHexString(random.nextLong());
            Op op = send("note", null, "POST", "/v1/notes", JSON.createObjectNode().put("message", message)
                    .put("subject", "crashit").toString());
            if (op.acked) {
                op.sequence = op.json.path("sequence").asLong();
                op.expects.add(new Expect("note.added", "crashit", "/message", message, op.sequence));
            }
            return op;
        }

        private Op pick() throws IOException {
            List<Known> all = new ArrayList<>(known.values());
            long live = all.size();
            int roll = random.nextInt(100);
            if (live > 10 && roll < 60) {
                return remove(all.get(random.nextInt(all.size())));
            }
            if (roll < 14) {
                return pull(busybox);
            } else if (roll < 26) {
                return pull(big);
            } else if (roll < 52) {
                return runContainer();
            } else if (roll < 62) {
                List<Known> running = all.stream().filter(k -> k.started && k.longRunning).toList();
                return running.isEmpty() ? runContainer() : exec(running.get(random.nextInt(running.size())));
            } else if (roll < 70) {
                return all.isEmpty() ? runContainer() : stop(all.get(random.nextInt(all.size())));
            } else if (roll < 76) {
                List<Known> running = all.stream().filter(k -> k.started).toList();
                return running.isEmpty() ? runContainer() : kill(running.get(random.nextInt(running.size())));
            } else if (roll < 88) {
                return all.isEmpty() ? runContainer() : remove(all.get(random.nextInt(all.size())));
            } else if (roll < 95) {
                return swap();
            } else {
                return removeBig();
            }
        }

        private Op pull(String reference) throws IOException {
            storeLock.readLock().lock();
            try {
                Op op = send("pull", reference.equals(big) ? "big" : "busybox", "POST", "/v1/images/pull",
                        JSON.createObjectNode().put("reference", reference).toString());
                if (op.acked) {
                    op.expects.add(new Expect("image.pulled", null, "/reference", reference, 0));
                    if (reference.equals(busybox)) {
                        busyboxMissing.set(false);
                    }
                }
                return op;
            } finally {
                storeLock.readLock().unlock();
            }
        }

        private Op runContainer() throws IOException {
            if (busyboxMissing.get()) {
                return pull(busybox);
            }
            boolean longRunning = random.nextInt(3) > 0;
            boolean autoRemove = random.nextInt(10) < 3;
            ObjectNode body = JSON.createObjectNode().put("image", busybox).put("autoRemove", autoRemove);
            var command = body.putObject("options").putArray("command");
            if (longRunning) {
                command.add("sleep").add("3600");
            } else {
                command.add("sh").add("-c").add("exit " + random.nextInt(5));
            }
            Op create = send("create", longRunning ? "sleep" : "exit", "POST", "/v1/containers", body.toString());
            if (!create.acked) {
                if (create.status == 404) {
                    busyboxMissing.set(true);
                }
                return create;
            }
            String id = create.json.path("id").asText();
            ourIds.add(id);
            create.expects.add(new Expect("container.created", id, null, null, 0));
            Known k = new Known(id, autoRemove, longRunning);
            known.put(id, k);
            if (random.nextInt(10) == 0 || stop.get()) {
                return create; // left created
            }
            k.startTried = true;
            Op start = send("start", id, "POST", "/v1/containers/" + id + "/start", "");
            if (start.acked) {
                k.started = true;
                start.expects.add(new Expect("container.started", id, null, null, 0));
            }
            return start;
        }

        private Op exec(Known k) throws IOException {
            ObjectNode body = JSON.createObjectNode().put("detach", true);
            body.putArray("args").add("true");
            Op op = send("exec", k.id, "POST", "/v1/containers/" + k.id + "/exec", body.toString());
            if (op.acked) {
                op.expects.add(new Expect("container.execd", k.id, "/execId", op.json.path("execId").asText(), 0));
            }
            return op;
        }

        private Op stop(Known k) throws IOException {
            return send("stop", k.id, "POST", "/v1/containers/" + k.id + "/stop?t=1", "");
        }

        private Op kill(Known k) throws IOException {
            Op op = send("kill", k.id, "POST", "/v1/containers/" + k.id + "/kill?signal=KILL", "");
            if (op.acked) {
                op.expects.add(new Expect("container.killed", k.id, null, null, 0));
            }
            return op;
        }

        private Op remove(Known k) throws IOException {
            Op op = send("rm", k.id, "DELETE", "/v1/containers/" + k.id + "?force=1", null);
            if (op.acked) {
                known.remove(k.id);
                op.expects.add(new Expect("container.removed", k.id, null, null, 0, true));
            } else if (op.status == 404) {
                known.remove(k.id);
            }
            return op;
        }

        private Op swap() throws IOException {
            if (!swapLock.tryLock()) {
                return null;
            }
            try {
                JsonNode runtimes = JSON.readTree(http.get("/v1/runtimes").body());
                String current = runtimes.path("default").asText();
                String other = current.equals("runc") ? "crun" : "runc";
                boolean usable = false;
                for (JsonNode r : runtimes.path("runtimes")) {
                    usable |= r.path("name").asText().equals(other) && r.path("usable").asBoolean();
                }
                if (usable) {
                    Op op = send("swap", other, "POST", "/v1/plugins/use", JSON.createObjectNode()
                            .put("id", "dev.berth.plugin." + other).toString());
                    if (op.acked) {
                        op.expects.add(new Expect("runtime.default.changed", other, null, null, 0));
                    }
                    return op;
                }
                // crun cannot run here: stop and start it instead, a plugin nothing depends on then.
                boolean stopping = knownPluginActive(runtimes, "crun");
                Op op = send(stopping ? "plugin stop" : "plugin start", CRUN, "POST",
                        "/v1/plugins/" + (stopping ? "stop" : "start"), JSON.createObjectNode().put("id", CRUN)
                                .toString());
                if (op.acked) {
                    op.expects.add(new Expect(stopping ? "plugin.disabled" : "plugin.enabled", CRUN, null, null, 0));
                }
                return op;
            } finally {
                swapLock.unlock();
            }
        }

        private Op removeBig() throws IOException {
            storeLock.writeLock().lock();
            try {
                Op rm = send("image rm", "big", "DELETE", "/v1/images?reference=" + big, null);
                if (rm.acked && !rm.json.path("removed").isNull()) {
                    rm.expects.add(new Expect("image.removed", rm.json.path("removed").asText(), null, null, 0));
                }
                if (!rm.acked || stop.get()) {
                    return rm;
                }
                Op prune = send("prune", null, "POST", "/v1/images/prune?grace=0", "");
                if (prune.acked && (prune.json.path("blobs").size() > 0 || prune.json.path("snapshots").size() > 0)) {
                    prune.expects.add(new Expect("images.pruned", "store", null, null, 0));
                }
                return prune;
            } finally {
                storeLock.writeLock().unlock();
            }
        }
    }

    private static boolean knownPluginActive(JsonNode runtimes, String name) {
        for (JsonNode r : runtimes.path("runtimes")) {
            if (r.path("name").asText().equals(name)) {
                return true;
            }
        }
        return false;
    }

    // ---- the test ------------------------------------------------------------------------------------

    @Test
    void sigkillAtRandomMomentsLosesNoAcknowledgedEventAndLeaksNothing() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "containers need root");
        assertTrue(Files.isExecutable(Daemon.BERTH), "no distribution at " + Daemon.HOME + ": build launcher first");
        long seed = Long.getLong("berth.crash.seed", System.nanoTime());
        System.out.println("[CrashIT] seed " + seed + " (-Dberth.crash.seed=" + seed + " repeats the choices), up to "
                + ITERATIONS + " iterations or " + MINUTES + " minutes");
        Random random = new Random(seed);
        long deadline = System.nanoTime() + (long) (MINUTES * 60e9);
        registry = DemoRegistry.start();
        base = Files.createTempDirectory("berth-crash-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
        busybox = registry.busybox();
        big = "127.0.0.1:" + registry.port + "/crashbig:latest";
        Map<String, Integer> acked = new TreeMap<>();
        Map<String, Long> ackedMillis = new TreeMap<>();
        Map<String, Integer> refused = new TreeMap<>();
        Map<String, Integer> landed = new TreeMap<>();
        List<String> refusals = new ArrayList<>();
        int iterations = 0;
        String stoppedBy = "the iteration bound (" + ITERATIONS + ")";
        long started = System.nanoTime();
        try {
            // C1 only: the daemon starts once per iteration, and starts faster so; -Dberth.crash.daemonOpts= for the defaults.
            daemon = new Daemon(base).withEnvironment("BERTH_DAEMON_OPTS", System.getProperty("berth.crash.daemonOpts",
                    "-XX:TieredStopAtLevel=1")).start();
            prepareImages();
            for (int iteration = 1; iteration <= ITERATIONS; iteration++) {
                if (System.nanoTime() > deadline) {
                    stoppedBy = "the time bound (" + MINUTES + " min)";
                    break;
                }
                long iterationStart = System.nanoTime();
                int anomaliesBefore = anomalies.size();
                Iteration it = new Iteration(iteration, random.nextLong());
                it.run(random);
                iterations = iteration;
                for (Client c : it.clients) {
                    for (Op op : c.ops) {
                        if (op.acked) {
                            acked.merge(op.kind, 1, Integer::sum);
                            ackedMillis.merge(op.kind, op.millis, Long::sum);
                        } else if (op.status != 0) {
                            refused.merge(op.kind + " " + op.status, 1, Integer::sum);
                            if ((op.status >= 500 || op.status == 200) && refusals.size() < 40) {
                                refusals.add("iteration " + iteration + ": " + op + " -> " + op.status + " "
                                        + op.answer.strip());
                            }
                        }
                    }
                }
                it.landed.forEach(l -> landed.merge(l, 1, Integer::sum));
                System.out.println("[CrashIT] iteration " + iteration + ": killed after " + it.killAfterMillis
                        + " ms, " + it.ackedCount() + " acknowledged, in flight " + it.inFlight + ", landed "
                        + it.landed + ", " + (anomalies.size() - anomaliesBefore) + " anomalies, "
                        + (System.nanoTime() - iterationStart) / 1_000_000 + " ms " + it.phases);
                if (it.daemonLost) {
                    stoppedBy = "a daemon that did not come back";
                    break;
                }
                maintenance(random, iteration);
            }
            Cli.Result verify = daemon.cli("audit", "verify");
            if (verify.exit() != 0) {
                anomalies.add("end: berth audit verify: " + verify);
            }
        } finally {
            cleanUp();
        }
        long minutes = (System.nanoTime() - started) / 60_000_000_000L;
        System.out.println("[CrashIT] ===== summary =====");
        System.out.println("[CrashIT] " + iterations + " kill-restart iterations in " + minutes + " min; stopped by "
                + stoppedBy);
        System.out.println("[CrashIT] acknowledged operations: " + acked.values().stream().mapToInt(i -> i).sum()
                + " " + acked);
        Map<String, Long> mean = new TreeMap<>();
        acked.forEach((kind, n) -> mean.put(kind, ackedMillis.get(kind) / n));
        System.out.println("[CrashIT] mean time to acknowledgement (ms): " + mean);
        System.out.println("[CrashIT] refused (not acknowledged, daemon alive): " + refused);
        refusals.forEach(r -> System.out.println("[CrashIT]   " + r));
        System.out.println("[CrashIT] kills landed: " + landed);
        System.out.println("[CrashIT] log records: " + log.size());
        System.out.println("[CrashIT] anomalies: " + anomalies.size());
        anomalies.forEach(a -> System.out.println("[CrashIT]   " + a));
        assertTrue(iterations > 0, "no iteration ran");
        assertEquals(List.of(), anomalies, anomalies.size() + " anomalies in " + iterations + " iterations");
    }

    /** Pulls the demo image, builds and pushes the big one, and takes the reference listing of each layer. */
    private void prepareImages() throws Exception {
        UnixHttp http = daemon.http();
        assertDone(http.post("/v1/images/pull", JSON.createObjectNode().put("reference", busybox).toString()), "pull");
        Path staging = Files.createDirectories(base.resolve("big-rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), staging.resolve("busybox"));
        for (String applet : List.of("sh", "sleep", "true", "cat", "ls")) {
            Files.createSymbolicLink(staging.resolve(applet), Path.of("busybox"));
        }
        Path data = Files.createDirectories(staging.resolveSibling("data"));
        byte[] bytes = new byte[8 << 20];
        new Random(42).nextBytes(bytes);
        Files.write(data.resolve("random.bin"), bytes);
        Path tar = base.resolve("big.tar");
        Cli.Result tarred = Cli.exec(List.of("tar", "--sort=name", "--numeric-owner", "--owner=0", "--group=0", "-C",
                staging.getParent().toString(), "-cf", tar.toString(), "."), Map.of(), List.of(), null, 60);
        assertEquals(0, tarred.exit(), tarred.toString());
        assertDone(http.post("/v1/images/import", JSON.createObjectNode().put("file", tar.toString())
                .put("reference", big).toString()), "import");
        assertDone(http.post("/v1/images/push", JSON.createObjectNode().put("reference", big).toString()), "push");
        // From the registry again, as the clients will.
        assertEquals(200, http.exchange("DELETE", "/v1/images?reference=" + big, null, null).status());
        assertEquals(200, http.post("/v1/images/prune?grace=0", "").status());
        assertDone(http.post("/v1/images/pull", JSON.createObjectNode().put("reference", big).toString()), "pull");
        readLog();
        Map<String, Path> sources = Map.of(busybox, registry.dir.resolve("rootfs"), big, staging.getParent());
        for (JsonNode e : log) {
            if (e.path("type").asText().equals("image.pulled")) {
                String reference = e.at("/payload/reference").asText();
                String chain = e.at("/payload/chainIds/0").asText().substring("sha256:".length());
                if (sources.containsKey(reference)) {
                    snapshotListings.put(chain, listing(sources.get(reference)));
                    Map<String, String> stored = listing(daemon.root.resolve("snapshots").resolve(chain).resolve("fs"));
                    assertEquals(snapshotListings.get(chain), stored, "the snapshot of " + reference
                            + " as first expanded, against its source tree");
                }
            }
        }
        assertEquals(2, snapshotListings.size(), "both images expanded: " + snapshotListings.keySet());
        System.out.println("[CrashIT] images: " + busybox + ", " + big + " (" + Files.size(tar) / 1024 + " KiB)");
    }

    private static void assertDone(UnixHttp.Response response, String what) throws IOException {
        List<String> lines = response.body().lines().filter(l -> !l.isBlank()).toList();
        assertTrue(response.status() == 200 && !lines.isEmpty()
                && "done".equals(JSON.readTree(lines.get(lines.size() - 1)).path("status").asText()),
                what + ": " + response.status() + " " + response.body());
    }

    /** Path (relative) to "d", "l:target" or "f:size", for every entry under {@code top}, top excluded. */
    private static Map<String, String> listing(Path top) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path p : walk.toList()) {
                if (p.equals(top)) {
                    continue;
                }
                String rel = top.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    entries.put(rel, "l:" + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    entries.put(rel, "d");
                } else {
                    entries.put(rel, "f:" + Files.size(p));
                }
            }
        }
        return entries;
    }

    // ---- one iteration -------------------------------------------------------------------------------

    private final class Iteration {
        final int number;
        final long seed;
        final List<Client> clients = new ArrayList<>();
        final List<String> inFlight = new ArrayList<>();
        final List<String> landed = new ArrayList<>();
        long killAfterMillis;
        boolean daemonLost;
        final Map<String, Long> phases = new LinkedHashMap<>();
        private long phaseStart = System.nanoTime();

        void phase(String name) {
            long now = System.nanoTime();
            phases.put(name, (now - phaseStart) / 1_000_000);
            phaseStart = now;
        }

        Iteration(int number, long seed) {
            this.number = number;
            this.seed = seed;
        }

        int ackedCount() {
            return clients.stream().mapToInt(c -> (int) c.ops.stream().filter(o -> o.acked).count()).sum();
        }

        void run(Random random) throws Exception {
            long startHead = head();
            refreshKnown();
            Map<String, String> partialsBefore = partials();
            phase("prepare");
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Client c = new Client(i, seed + i, stop, number);
                clients.add(c);
                Thread t = new Thread(() -> {
                    try {
                        c.run();
                    } catch (RuntimeException e) {
                        synchronized (anomalies) {
                            anomalies.add("iteration " + number + ": client " + c.number + " failed: " + e);
                        }
                    }
                }, "crash-client-" + i);
                threads.add(t);
            }
            threads.forEach(Thread::start);
            killAfterMillis = 200 + random.nextInt(2800);
            Thread.sleep(killAfterMillis);
            for (Client c : clients) {
                Op op = c.inFlight;
                if (op != null) {
                    inFlight.add(op.kind);
                }
            }
            stop.set(true);
            daemon.kill();
            for (Thread t : threads) {
                t.join(60_000);
                if (t.isAlive()) {
                    anomalies.add("iteration " + number + ": " + t.getName() + " still waits 60 s after the kill");
                }
            }
            phase("ops+kill");
            lookAfterTheKill(partialsBefore);
            orphansOfTheKill().forEach(o -> anomalies.add("iteration " + number + ": " + o));
            try {
                daemon.start();
                phase("restart");
            } catch (IllegalStateException e) {
                anomalies.add("iteration " + number + ": the daemon did not come back after SIGKILL: " + e.getMessage());
                daemonLost = true;
                return;
            }
            settle();
            phase("settle");
            check(startHead);
            phase("check");
        }

        /** What the kill interrupted, seen on disk before the restart cleans it up. */
        private void lookAfterTheKill(Map<String, String> partialsBefore) throws IOException {
            Map<String, String> partials = partials();
            partials.entrySet().removeAll(partialsBefore.entrySet());
            if (!partials.isEmpty()) {
                landed.add("mid-blob"); // a partial blob appeared or grew during this iteration
            }
            if (count(daemon.root.resolve("snapshots"), n -> n.startsWith("tmp-")) > 0) {
                landed.add("mid-unpack");
            }
            for (String kind : inFlight) {
                switch (kind) {
                    case "create", "start" -> landed.add("mid-" + kind + " (mount/spec/runtime)");
                    case "pull" -> landed.add("mid-pull");
                    case "prune", "image rm" -> landed.add("mid-prune");
                    case "note" -> landed.add("mid-append");
                    default -> landed.add("mid-" + kind);
                }
            }
        }

        /**
         * Processes the dead daemon left that still hold its files or sockets open, other than the container
         * monitors (berth-shim), which are meant to outlive it: e.g. the JDK's jspawnhelper caught mid-start of
         * a child, which would keep the daemon's client connections open, so its clients wait forever.
         */
        private List<String> orphansOfTheKill() {
            List<String> found = new ArrayList<>();
            String run = daemon.run.toString();
            try (var pids = Files.list(Path.of("/proc"))) {
                for (Path proc : (Iterable<Path>) pids::iterator) {
                    String pid = proc.getFileName().toString();
                    if (!pid.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        String comm = Files.readString(proc.resolve("comm")).strip();
                        if (comm.startsWith("berth-shim") || pid.equals(Long.toString(ProcessHandle.current().pid()))) {
                            continue;
                        }
                        try (var fds = Files.list(proc.resolve("fd"))) {
                            for (Path fd : (Iterable<Path>) fds::iterator) {
                                String target = Files.readSymbolicLink(fd).toString();
                                if (target.startsWith(run + "/")) {
                                    found.add("process " + pid + " (" + comm + ") outlived the daemon holding " + target);
                                    break;
                                }
                            }
                        }
                    } catch (IOException e) {
                        // gone meanwhile, or not ours to read
                    }
                }
            } catch (IOException e) {
                found.add("cannot list /proc: " + e.getMessage());
            }
            return found;
        }

        /** Waits for the engine to reconcile: the same containers, runtime states and mounts twice in a row. */
        private void settle() throws Exception {
            Thread.sleep(2_500);
            String last = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < until) {
                String now = containers().toString() + runtimeStates() + mounts();
                if (now.equals(last)) {
                    return;
                }
                last = now;
                Thread.sleep(500);
            }
            anomalies.add("iteration " + number + ": containers, runtime states and mounts still change 60 s after "
                    + "the restart");
        }

        private void check(long startHead) throws Exception {
            String at = "iteration " + number + ": ";
            // 1. The chain.
            UnixHttp.Response verify = daemon.http().get("/v1/audit/verify");
            JsonNode v = JSON.readTree(verify.body());
            if (verify.status() != 200 || !v.path("intact").asBoolean()) {
                anomalies.add(at + "audit verify: " + verify.status() + " " + verify.body());
            }
            if (number % 10 == 0) {
                Cli.Result cli = daemon.cli("audit", "verify");
                if (cli.exit() != 0) {
                    anomalies.add(at + "berth audit verify: " + cli);
                }
            }
            // 2. Every acknowledged operation's event.
            int before = log.size();
            readLog();
            for (JsonNode e : log.subList(Math.min(before, log.size()), log.size())) {
                String type = e.path("type").asText();
                if (type.equals("log.recovered")) {
                    landed.add("mid-append (torn record cut: " + e.at("/payload/bytesDropped").asLong() + " bytes)");
                }
                if (type.equals("rootfs.unmounted") && e.at("/payload/reason").asText().contains("interrupted")) {
                    landed.add("mid-create (rootfs reclaimed)");
                }
                if (type.startsWith("container.")) {
                    ourIds.add(e.path("subject").asText());
                }
            }
            String output = daemon.output();
            for (int i = output.indexOf("before logging its start"); i >= 0;
                    i = output.indexOf("before logging its start", i + 1)) {
                landed.add("mid-start (runtime started, start logged at restart)");
            }
            checkAcknowledged(at, startHead);
            // 3. Blobs and snapshots.
            checkStore(at);
            // 4 and 5. Mounts, folders, cgroups; ps against the runtimes.
            checkContainers(at);
        }

        private void checkAcknowledged(String at, long startHead) {
            Map<String, List<JsonNode>> byKey = new HashMap<>();
            Set<Long> used = new HashSet<>();
            record Bounded(Op op, Expect expect, long after, long before) {
            }
            List<Bounded> wanted = new ArrayList<>();
            List<Op> stops = new ArrayList<>();
            Map<Op, Long> stopBefore = new HashMap<>();
            for (Client c : clients) {
                long after = startHead;
                List<Op> ops = c.ops;
                for (int i = 0; i < ops.size(); i++) {
                    Op op = ops.get(i);
                    if (op.kind.equals("note") && op.acked) {
                        after = op.sequence;
                    }
                    long before = Long.MAX_VALUE;
                    for (int j = i + 1; j < ops.size(); j++) {
                        if (ops.get(j).kind.equals("note") && ops.get(j).acked) {
                            before = ops.get(j).sequence;
                            break;
                        }
                    }
                    if (!op.acked) {
                        continue;
                    }
                    for (Expect e : op.expects) {
                        wanted.add(new Bounded(op, e, op.kind.equals("note") ? op.sequence - 1 : after, before));
                    }
                    if (op.kind.equals("stop")) {
                        stops.add(op);
                        stopBefore.put(op, before);
                    }
                }
            }
            // Greedy matching, earliest deadline first: each event satisfies one acknowledged operation.
            wanted.sort((a, b) -> Long.compare(a.before(), b.before()));
            for (Bounded b : wanted) {
                Expect e = b.expect();
                List<JsonNode> candidates = byKey.computeIfAbsent(e.key(), k -> log.stream()
                        .filter(ev -> matches(ev, e)).toList());
                JsonNode found = null;
                for (JsonNode ev : candidates) {
                    long seq = ev.path("sequence").asLong();
                    if (seq > b.after() && seq < b.before() && (e.shared() || !used.contains(seq))
                            && (e.exactSequence() == 0 || seq == e.exactSequence())) {
                        found = ev;
                        break;
                    }
                }
                if (found == null) {
                    anomalies.add(at + "LOST: " + b.op() + " was acknowledged (" + b.op().status + " "
                            + abbreviate(b.op().answer) + ") but the log has no " + e.type() + " for "
                            + (e.subject() == null ? "it" : e.subject()) + (e.value() == null ? "" : " " + e.value())
                            + " between #" + b.after() + " and #" + (b.before() == Long.MAX_VALUE ? "head" : b.before())
                            + " (head #" + log.size() + ")");
                } else if (!e.shared()) {
                    used.add(found.path("sequence").asLong());
                }
            }
            // A stop acknowledged: its container is not running in the log as of then.
            for (Op stop : stops) {
                long before = stopBefore.get(stop);
                String id = stop.target;
                long startedSeq = -1;
                long endedSeq = -1;
                for (JsonNode ev : log) {
                    long seq = ev.path("sequence").asLong();
                    if (seq >= before || !id.equals(ev.path("subject").asText())) {
                        continue;
                    }
                    switch (ev.path("type").asText()) {
                        case "container.started" -> startedSeq = seq;
                        case "container.exited", "container.removed" -> endedSeq = seq;
                        default -> {
                        }
                    }
                }
                if (startedSeq > endedSeq) {
                    List<String> story = new ArrayList<>();
                    for (JsonNode ev : log) {
                        if (id.equals(ev.path("subject").asText())) {
                            story.add("#" + ev.path("sequence").asLong() + " " + ev.path("type").asText());
                        }
                    }
                    anomalies.add(at + "LOST: stop " + id + " was acknowledged but the log has it running (started #"
                            + startedSeq + ", no exit after it before #" + before + "); its events: " + story);
                }
            }
        }

        private void checkStore(String at) throws Exception {
            Path blobs = daemon.root.resolve("content/blobs/sha256");
            for (Path blob : list(blobs)) {
                String name = blob.getFileName().toString();
                if (!HEX64.matcher(name).matches()) {
                    anomalies.add(at + "a file under the blob store's final names that is no digest: " + blob);
                    continue;
                }
                String actual = sha256(blob);
                if (!actual.equals(name)) {
                    anomalies.add(at + "HALF-WRITTEN BLOB: " + blob + " has sha256 " + actual + " (" + Files.size(blob)
                            + " bytes)");
                }
            }
            for (Path snapshot : list(daemon.root.resolve("snapshots"))) {
                String name = snapshot.getFileName().toString();
                if (name.startsWith("tmp-")) {
                    anomalies.add(at + "a temporary snapshot left after the restart: " + snapshot);
                    continue;
                }
                Map<String, String> reference = snapshotListings.get(name);
                if (reference == null) {
                    anomalies.add(at + "a snapshot of no layer this test made: " + snapshot);
                    continue;
                }
                if (!Files.isRegularFile(snapshot.resolve("snapshot.json"))) {
                    anomalies.add(at + "HALF-WRITTEN SNAPSHOT: " + snapshot + " has no snapshot.json");
                }
                Path fs = snapshot.resolve("fs");
                Map<String, String> actual = Files.isDirectory(fs) ? listing(fs) : Map.of();
                if (!actual.equals(reference)) {
                    Set<String> missing = new java.util.TreeSet<>(reference.keySet());
                    missing.removeAll(actual.keySet());
                    Set<String> differ = new java.util.TreeSet<>();
                    actual.forEach((k, val) -> {
                        if (!val.equals(reference.get(k))) {
                            differ.add(k + "=" + val);
                        }
                    });
                    anomalies.add(at + "HALF-WRITTEN SNAPSHOT: " + snapshot + ": " + missing.size() + " entries missing "
                            + abbreviate(missing.toString()) + ", " + differ.size() + " differ "
                            + abbreviate(differ.toString()));
                }
            }
            // Every image the daemon lists has its blobs and snapshots.
            JsonNode images = JSON.readTree(daemon.http().get("/v1/images").body());
            for (JsonNode image : images.path("images")) {
                String digest = image.path("manifestDigest").asText();
                UnixHttp.Response inspect = daemon.http().get("/v1/images/inspect?reference=" + digest);
                if (inspect.status() != 200) {
                    anomalies.add(at + "image " + digest + " is listed but inspect says " + inspect.status() + " "
                            + abbreviate(inspect.body()));
                    continue;
                }
                JsonNode detail = JSON.readTree(inspect.body());
                for (JsonNode chain : detail.path("chainIds")) {
                    Path fs = daemon.root.resolve("snapshots").resolve(chain.asText().substring(7)).resolve("fs");
                    if (!Files.isDirectory(fs)) {
                        anomalies.add(at + "image " + image.path("tags") + " is listed but its snapshot " + fs
                                + " is gone");
                    }
                }
                for (JsonNode layer : detail.path("layerDigests")) {
                    if (!Files.isRegularFile(blobs.resolve(layer.asText().substring(7)))) {
                        anomalies.add(at + "image " + image.path("tags") + " is listed but its layer blob " + layer
                                + " is gone");
                    }
                }
            }
        }

        private void checkContainers(String at) throws Exception {
            Map<String, JsonNode> listed = containers();
            Map<String, Map<String, String>> runtimes = runtimeStates();
            // ps against the runtimes.
            for (Map.Entry<String, Map<String, String>> runtime : runtimes.entrySet()) {
                for (Map.Entry<String, String> held : runtime.getValue().entrySet()) {
                    String id = held.getKey();
                    String state = held.getValue();
                    JsonNode c = listed.get(id);
                    if (c == null) {
                        anomalies.add(at + "LEAK: " + runtime.getKey() + " holds container " + id + " (" + state
                                + ") that berth ps -a does not list" + lastEvents(id));
                        continue;
                    }
                    String status = c.path("status").asText();
                    boolean agree = switch (state) {
                        case "running", "paused" -> status.equals("running");
                        case "created" -> status.equals("created");
                        case "stopped" -> status.equals("exited");
                        default -> false;
                    };
                    if (!agree) {
                        anomalies.add(at + "PS DISAGREES: " + runtime.getKey() + " says " + id + " is " + state
                                + ", berth ps says " + status + lastEvents(id));
                    } else if (state.equals("stopped")) {
                        anomalies.add(at + "LEAK: " + runtime.getKey() + " still holds exited container " + id
                                + " (its runtime state and cgroup are kept until rm)" + lastEvents(id));
                    }
                    if (!c.path("runtime").asText().equals(runtime.getKey())) {
                        anomalies.add(at + "container " + id + " is held by " + runtime.getKey() + " but ps says "
                                + c.path("runtime").asText());
                    }
                }
            }
            for (JsonNode c : listed.values()) {
                String id = c.path("id").asText();
                if (c.path("status").asText().equals("running")) {
                    String state = runtimes.getOrDefault(c.path("runtime").asText(), Map.of()).get(id);
                    if (!"running".equals(state) && !"paused".equals(state)) {
                        anomalies.add(at + "PS DISAGREES: berth ps says " + id + " is running, "
                                + c.path("runtime").asText() + " says " + state + lastEvents(id));
                    }
                }
            }
            // Mounts: only for containers that run or are created (mounted at create).
            for (String mount : mounts()) {
                String id = mount.split("/")[0];
                JsonNode c = listed.get(id);
                String status = c == null ? "not listed" : c.path("status").asText();
                if (!status.equals("running") && !status.equals("created")) {
                    anomalies.add(at + "LEAK: a mount under mounts/" + mount + " of a container that is " + status
                            + lastEvents(id));
                }
            }
            for (String folder : List.of("mounts", "containers")) {
                for (Path dir : list(daemon.root.resolve(folder))) {
                    String id = dir.getFileName().toString();
                    if (HEX64.matcher(id).matches() && !listed.containsKey(id)) {
                        anomalies.add(at + "LEAK: " + folder + "/" + id + " is left of a container ps -a does not list"
                                + lastEvents(id));
                    }
                }
            }
            // The runtime plugins' own index of the containers they hold.
            for (String runtime : List.of("runc", "crun")) {
                for (Path file : list(daemon.root.resolve("runtimes").resolve(runtime + "-containers"))) {
                    String id = file.getFileName().toString();
                    if (HEX64.matcher(id).matches() && !listed.containsKey(id)) {
                        anomalies.add(at + "LEAK: the " + runtime + " plugin still indexes container " + id
                                + ", which ps -a does not list" + lastEvents(id));
                    }
                }
            }
            // Cgroups of our containers: only for ones listed and held by their runtime.
            try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
                for (Path hierarchy : hierarchies.toList()) {
                    for (Path cgroup : list(hierarchy.resolve("berth"))) {
                        String id = cgroup.getFileName().toString();
                        if (!Files.isDirectory(cgroup) || !ourIds.contains(id)) {
                            continue;
                        }
                        JsonNode c = listed.get(id);
                        String state = c == null ? null
                                : runtimes.getOrDefault(c.path("runtime").asText(), Map.of()).get(id);
                        if (c == null || state == null) {
                            anomalies.add(at + "LEAK: cgroup " + cgroup + " of a container "
                                    + (c == null ? "ps -a does not list" : "its runtime does not hold")
                                    + lastEvents(id));
                        }
                    }
                }
            }
        }

        private String lastEvents(String id) {
            List<String> types = new ArrayList<>();
            for (JsonNode e : log) {
                if (id.equals(e.path("subject").asText())) {
                    types.add("#" + e.path("sequence").asLong() + " " + e.path("type").asText());
                }
            }
            return " [log of " + id.substring(0, 12) + ": " + (types.size() > 8 ? "... "
                    + types.subList(types.size() - 8, types.size()) : types) + "]";
        }
    }

    /** The JSON of an answer, or a text node holding it when it is not JSON. */
    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(text);
        }
    }

    private static boolean matches(JsonNode event, Expect e) {
        return event.path("type").asText().equals(e.type())
                && (e.subject() == null || e.subject().equals(event.path("subject").asText()))
                && (e.field() == null || e.value().equals(event.path("payload").at(e.field()).asText()));
    }

    // ---- between iterations --------------------------------------------------------------------------

    /**
     * Sometimes, with the daemon up and no client running: removes every container and both images and
     * prunes, so the next pulls fetch and unpack again; or only exited containers, to keep the count down.
     */
    private void maintenance(Random random, int iteration) throws Exception {
        UnixHttp http = daemon.http();
        int roll = random.nextInt(10);
        if (roll < 1) {
            for (String id : containers().keySet()) {
                http.exchange("DELETE", "/v1/containers/" + id + "?force=1", null, null);
            }
            for (String image : List.of(busybox, big)) {
                http.exchange("DELETE", "/v1/images?reference=" + image, null, null);
            }
            UnixHttp.Response prune = http.post("/v1/images/prune?grace=0", "");
            if (prune.status() != 200) {
                anomalies.add("after iteration " + iteration + ": prune: " + prune.status() + " " + prune.body());
            }
            System.out.println("[CrashIT] after iteration " + iteration + ": removed every container and image, "
                    + "pruned");
        } else if (roll < 5) {
            for (JsonNode c : containers().values()) {
                if (!c.path("status").asText().equals("running")) {
                    http.exchange("DELETE", "/v1/containers/" + c.path("id").asText() + "?force=1", null, null);
                }
            }
        }
    }

    private void cleanUp() {
        try {
            if (daemon != null) {
                try {
                    for (String id : containers().keySet()) {
                        daemon.http().exchange("DELETE", "/v1/containers/" + id + "?force=1", null, null);
                    }
                } catch (Exception e) {
                    System.out.println("[CrashIT] clean-up: " + e);
                }
                daemon.close();
            }
        } finally {
            if (registry != null) {
                try {
                    registry.close();
                } catch (IOException e) {
                    System.out.println("[CrashIT] clean-up: " + e);
                }
            }
        }
    }

    // ---- reading the daemon and the host -------------------------------------------------------------

    private long head() throws IOException {
        UnixHttp.Response info = daemon.http().get("/v1/info");
        assertEquals(200, info.status(), info.body());
        return JSON.readTree(info.body()).at("/eventLog/head/sequence").asLong();
    }

    /**
     * Reads the log from the last record read (checking it is still the same record) to the head, checks
     * the new records' sequence, hash chain and schema, and appends them to {@link #log}.
     */
    private void readLog() throws IOException {
        long from = Math.max(1, log.size());
        UnixHttp.Response response = daemon.http().get("/v1/events?from=" + from);
        if (response.status() != 200) {
            anomalies.add("events: " + response.status() + " " + response.body());
            return;
        }
        List<JsonNode> read = new ArrayList<>();
        for (String line : response.body().lines().filter(l -> !l.isBlank()).toList()) {
            read.add(JSON.readTree(line));
        }
        if (!log.isEmpty()) {
            JsonNode anchor = log.get(log.size() - 1);
            if (read.isEmpty() || !read.get(0).path("hash").asText().equals(anchor.path("hash").asText())) {
                anomalies.add("LOST: record #" + anchor.path("sequence").asLong() + " (" + anchor.path("type").asText()
                        + "), read before, is " + (read.isEmpty() ? "gone" : "different now: " + read.get(0)));
                return;
            }
            read.remove(0);
        }
        for (JsonNode e : read) {
            long expected = log.size() + 1;
            if (e.path("sequence").asLong() != expected) {
                anomalies.add("log: record #" + e.path("sequence").asLong() + " where #" + expected + " was expected");
                return;
            }
            if (!log.isEmpty() && !log.get(log.size() - 1).path("hash").asText().equals(e.path("previousHash").asText())) {
                anomalies.add("log: hash chain broken at #" + expected);
            }
            List<String> problems = schemas.validateEnvelope(e.toString());
            if (!problems.isEmpty()) {
                anomalies.add("log: record #" + expected + " does not match its schema: " + problems);
            }
            log.add(e);
        }
    }

    /** The containers ps -a lists, by id. */
    private Map<String, JsonNode> containers() throws IOException {
        UnixHttp.Response response = daemon.http().get("/v1/containers?all=1");
        assertEquals(200, response.status(), response.body());
        Map<String, JsonNode> all = new TreeMap<>();
        for (JsonNode c : JSON.readTree(response.body()).path("containers")) {
            if (!c.path("status").asText().equals("removed")) {
                all.put(c.path("id").asText(), c);
            }
        }
        return all;
    }

    /** Refreshes what the clients know from the daemon's list. */
    private void refreshKnown() throws IOException {
        known.clear();
        for (JsonNode c : containers().values()) {
            String id = c.path("id").asText();
            JsonNode command = c.path("command");
            Known k = new Known(id, false, command.toString().contains("sleep"));
            k.started = c.path("status").asText().equals("running");
            k.startTried = !c.path("status").asText().equals("created");
            known.put(id, k);
        }
    }

    /** What runc and crun hold under the daemon's runtime roots: runtime to id to status. */
    private Map<String, Map<String, String>> runtimeStates() throws IOException, InterruptedException {
        Map<String, Map<String, String>> all = new TreeMap<>();
        for (String runtime : List.of("runc", "crun")) {
            Path root = daemon.root.resolve("runtimes").resolve(runtime);
            Map<String, String> states = new TreeMap<>();
            all.put(runtime, states);
            if (!Files.isDirectory(root)) {
                continue;
            }
            Cli.Result list = Cli.exec(List.of(runtime, "--root", root.toString(), "list", "-f", "json"), Map.of(),
                    List.of(), null, 60);
            if (list.exit() != 0) {
                anomalies.add(runtime + " list: " + list);
                continue;
            }
            String out = list.stdout().strip();
            if (out.isEmpty() || out.equals("null")) {
                continue;
            }
            for (JsonNode c : JSON.readTree(out)) {
                states.put(c.path("id").asText(), c.path("status").asText());
            }
        }
        return all;
    }

    /** Mount points under the state root's mounts/, relative to it. */
    private List<String> mounts() throws IOException {
        Path mounts = daemon.root.toRealPath().resolve("mounts");
        List<String> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String point = line.split(" ")[4];
            if (point.startsWith(mounts + "/")) {
                found.add(mounts.relativize(Path.of(point)).toString());
            }
        }
        Collections.sort(found);
        return found;
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        }
    }

    /** The partial blobs in the content store's ingest folder, with their sizes. */
    private Map<String, String> partials() throws IOException {
        Map<String, String> found = new TreeMap<>();
        for (Path p : list(daemon.root.resolve("content/ingest"))) {
            if (p.getFileName().toString().endsWith(".partial")) {
                found.put(p.getFileName().toString(), Long.toString(Files.size(p)));
            }
        }
        return found;
    }

    private static int count(Path dir, java.util.function.Predicate<String> name) throws IOException {
        return (int) list(dir).stream().filter(p -> name.test(p.getFileName().toString())).count();
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String abbreviate(String text) {
        String line = text.strip().replace('\n', ' ');
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

}
