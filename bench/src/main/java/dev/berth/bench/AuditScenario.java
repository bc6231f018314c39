package dev.berth.bench;

import dev.berth.api.container.RunOptions;
import dev.berth.api.container.VolumeMount;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventDrafts;
import dev.berth.api.events.BlobFetched;
import dev.berth.api.events.ContainerCreated;
import dev.berth.api.events.ContainerExecd;
import dev.berth.api.events.ContainerExited;
import dev.berth.api.events.ContainerKilled;
import dev.berth.api.events.ContainerOom;
import dev.berth.api.events.ContainerRemoved;
import dev.berth.api.events.ContainerStarted;
import dev.berth.api.events.EngineStarted;
import dev.berth.api.events.EngineStopped;
import dev.berth.api.events.ImagePulled;
import dev.berth.api.events.ImageTagged;
import dev.berth.api.events.ImageUntagged;
import dev.berth.api.events.LayerExpanded;
import dev.berth.api.events.ManifestResolved;
import dev.berth.api.events.NoteAdded;
import dev.berth.api.events.PluginInstalled;
import dev.berth.api.events.PluginStarted;
import dev.berth.api.events.PluginStopped;
import dev.berth.api.events.PluginSwapped;
import dev.berth.api.events.PluginUninstalled;
import dev.berth.api.events.PluginUpdated;
import dev.berth.api.events.PullRequested;
import dev.berth.api.events.RootfsMounted;
import dev.berth.api.events.RootfsUnmounted;
import dev.berth.api.events.RuntimeDefaultChanged;
import dev.berth.api.events.SpecGenerated;
import dev.berth.api.isolation.ModuleRecord;
import dev.berth.api.isolation.SpecField;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A month of a busy Berth host as the engine would have logged it, one event at a time in time order:
 * the first daemon start (every bundle installed and started, then {@code engine.started}), image pulls
 * with their manifests, blobs, layers and tags, and then containers arriving at random, each with the
 * exact events and subjects the engine appends for it (see {@code ContainerService}): {@code berth run --rm}
 * jobs, kept jobs removed later, detached services with {@code exec}s, restarts, OOM kills and stops,
 * {@code create} then {@code start}, interactive shells and failed creations. Between them: daemon
 * restarts (one an upgrade), a pull-stage hot swap and back, default runtime changes, re-pulls that move
 * a tag, operator notes.
 *
 * <p>The plan ends clean: every container has exited and its root filesystem is unmounted, and only the
 * last {@value #KEPT} containers are left exited and not removed. It holds exactly the number of events
 * asked for; a few {@code note.added} events fill the last gap. Deterministic for a seed except for the
 * order of the {@code facts} maps in {@code spec.generated}. Not thread-safe.
 */
final class AuditScenario {
    /** Containers left exited, not removed, at the end, so {@code ps -a} shows something. */
    static final int KEPT = 20;
    /** Events of each kept container: mounted, spec, created, started, exited, unmounted. */
    private static final int KEPT_EVENTS = 6;

    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    private static final long MIN = 60 * S;
    private static final long H = 60 * MIN;
    private static final long DAY = 24 * H;

    /** What kind of life a container has. */
    enum Kind { RUN_RM, RUN, SERVICE, CREATE_START, INTERACTIVE, CREATE_FAILED, KEPT }

    /** One container of the plan. */
    record Container(String id, String name, Kind kind, String image, int events) {
    }

    /** One event of the plan: when, in which order among events at the same time, what, and for which container. */
    record Planned(long nanos, long order, EventDraft draft, Container container) {
    }

    /** An image as pulled: by whom it is named, its digests, the command it runs, and from when it exists. */
    private record Image(String userRef, String tagName, String manifest, int layers, List<String> args,
            boolean service, long availableAt) {
    }

    /** A window in which the daemon was down (no container is created in it). */
    private record Downtime(long from, long to) {
    }

    private record Bundle(String id, String jar, String version, String kind) {
    }

    private final Random random;
    private final HexFormat hex = HexFormat.of();
    private final MessageDigest sha256;
    private final String root;
    private final int total;
    private final long start;
    private final long mainEnd;
    private final long end;
    private final PriorityQueue<Planned> queue = new PriorityQueue<>(
            Comparator.comparingLong(Planned::nanos).thenComparingLong(Planned::order));
    private long order;
    private int emitted;
    private long lastNanos;

    private final List<Image> images = new ArrayList<>();
    private final List<Downtime> downtimes = new ArrayList<>();
    /** Build of the Berth bundles (and isolation modules) from each time on. */
    private final TreeMap<Long, String> builds = new TreeMap<>();
    /** Default runtime from each time on. */
    private final TreeMap<Long, String> runtimes = new TreeMap<>();

    private final Set<String> namesInUse = new HashSet<>();
    private final PriorityQueue<long[]> nameReleases = new PriorityQueue<>(Comparator.comparingLong(a -> a[0]));
    private final List<String> releaseNames = new ArrayList<>();
    private int serviceSerial;
    private int pid = 4_000;

    private enum Phase { MAIN, FINAL, PAD, DONE }

    private Phase phase = Phase.MAIN;
    private boolean arrivalsOpen = true;
    private long nextArrival;
    private long plannedContainers;
    private long plannedContainerEvents;
    private int containers;
    private int padNotes;

    /**
     * A plan of {@code total} events for a daemon with state root {@code root}, stamped from
     * {@code startNanos} to before {@code endNanos}.
     */
    AuditScenario(String root, int total, long startNanos, long endNanos, long seed) {
        if (total < 1_000) {
            throw new IllegalArgumentException("at least 1,000 events, got " + total);
        }
        if (endNanos - startNanos < DAY) {
            throw new IllegalArgumentException("the log must span at least a day");
        }
        this.random = new Random(seed);
        this.root = root;
        this.total = total;
        this.start = startNanos;
        this.end = endNanos;
        this.mainEnd = endNanos - 2 * H;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
        planHousekeeping();
        if (queue.size() + KEPT * KEPT_EVENTS > total) {
            throw new IllegalArgumentException(total + " events are too few for the daemon starts, pulls and kept "
                    + "containers alone (" + (queue.size() + KEPT * KEPT_EVENTS) + ")");
        }
        nextArrival = start + 5 * MIN;
    }

    /** Containers planned so far (kept ones included). */
    int containers() {
        return containers;
    }

    /** How many {@code note.added} events filled the gap at the end. */
    int padNotes() {
        return padNotes;
    }

    /** The next event in time order, or null after the last one. */
    Planned next() {
        while (true) {
            switch (phase) {
                case MAIN -> {
                    Planned head = queue.peek();
                    if (arrivalsOpen && (head == null || nextArrival <= head.nanos())) {
                        arrive();
                    } else if (head != null) {
                        return emit(queue.poll());
                    } else {
                        planKept();
                        phase = Phase.FINAL;
                    }
                }
                case FINAL -> {
                    if (!queue.isEmpty()) {
                        return emit(queue.poll());
                    }
                    phase = Phase.PAD;
                }
                case PAD -> {
                    if (emitted < total) {
                        padNotes++;
                        long at = Math.max(lastNanos + 1, Math.min(end - MS, lastNanos + 2 * S));
                        return emit(new Planned(at, order++, EventDrafts.of("note",
                                new NoteAdded("audit check " + padNotes + ": nothing to report")), null));
                    }
                    phase = Phase.DONE;
                }
                case DONE -> {
                    return null;
                }
                default -> throw new IllegalStateException(phase.toString());
            }
        }
    }

    private Planned emit(Planned p) {
        if (emitted >= total) {
            throw new IllegalStateException("the plan overran its " + total + " events");
        }
        emitted++;
        lastNanos = Math.max(lastNanos, p.nanos());
        return p;
    }

    // ---- the daemon, images, plugins --------------------------------------------------------------------

    private static final String DIST = "/opt/berth/bundles/";
    private static final String BUILD_1 = "0.1.0.202610281412";
    private static final String BUILD_2 = "0.1.0.202611141630";

    private static List<Bundle> bundles(String build) {
        List<Bundle> all = new ArrayList<>();
        all.add(new Bundle("org.osgi.util.function", "org.osgi.util.function-1.2.0.jar", "1.2.0.202109301733",
                "framework"));
        all.add(new Bundle("org.osgi.util.promise", "org.osgi.util.promise-1.3.0.jar", "1.3.0.202212101352",
                "framework"));
        all.add(new Bundle("org.osgi.service.component", "org.osgi.service.component-1.5.1.jar", "1.5.1.202212101352",
                "framework"));
        all.add(new Bundle("org.apache.felix.scr", "org.apache.felix.scr-2.2.18.jar", "2.2.18", "framework"));
        all.add(new Bundle("org.apache.felix.configadmin", "org.apache.felix.configadmin-1.9.26.jar", "1.9.26",
                "framework"));
        for (String jackson : List.of("annotations", "core", "databind")) {
            all.add(new Bundle("com.fasterxml.jackson.core.jackson-" + jackson, "jackson-" + jackson + "-2.18.2.jar",
                    "2.18.2", "library"));
        }
        for (String netty : List.of("common", "buffer", "resolver", "transport", "transport-native-unix-common",
                "codec-base", "codec-compression", "handler", "codec-dns", "codec-http", "codec-http2", "codec-socks",
                "handler-proxy", "resolver-dns")) {
            all.add(new Bundle("io.netty." + netty, "netty-" + netty + "-4.2.9.Final.jar", "4.2.9.Final", "library"));
        }
        all.add(new Bundle("dev.berth.vertx", "berth-vertx-0.1.0-SNAPSHOT.jar", build, "library"));
        for (String engine : List.of("api", "eventlog", "bus", "engine", "apiserver")) {
            all.add(new Bundle("dev.berth." + engine, "berth-" + engine + "-0.1.0-SNAPSHOT.jar", build, "engine"));
        }
        for (String stage : List.of("pull", "expand", "archive", "mount", "spec")) {
            all.add(new Bundle("dev.berth.plugin." + stage, "berth-plugin-" + stage + "-0.1.0-SNAPSHOT.jar", build,
                    "stage"));
        }
        for (String runtime : List.of("runc", "crun")) {
            all.add(new Bundle("dev.berth.plugin." + runtime, "berth-plugin-" + runtime + "-0.1.0-SNAPSHOT.jar", build,
                    "runtime"));
        }
        for (String module : List.of("namespaces", "cgroups", "capabilities", "selinux")) {
            all.add(new Bundle("dev.berth.plugin." + module, "berth-plugin-" + module + "-0.1.0-SNAPSHOT.jar", build,
                    "isolation"));
        }
        all.add(new Bundle("org.apache.felix.fileinstall", "org.apache.felix.fileinstall-3.7.4.jar", "3.7.4",
                "framework"));
        return all;
    }

    /** Daemon starts and restarts, image pulls, plugin swaps, runtime changes and notes, all queued up front. */
    private void planHousekeeping() {
        long span = mainEnd - start;
        builds.put(Long.MIN_VALUE, BUILD_1);
        runtimes.put(Long.MIN_VALUE, "runc");

        // The first start, as a fresh daemon logs it: bundles up to the engine installed and started one by
        // one, the rest installed, engine.started, then the rest started.
        List<Bundle> first = bundles(BUILD_1);
        long t = start;
        int engineAt = indexOf(first, "dev.berth.engine");
        for (int i = 0; i <= engineAt; i++) {
            Bundle b = first.get(i);
            t += 40 * MS + random.nextInt(80) * MS;
            at(t, b.id(), new PluginInstalled(b.version(), b.kind(), "file://" + DIST + b.jar()));
            t += 2 * MS;
            at(t, b.id(), new PluginStarted(b.version()));
        }
        for (int i = engineAt + 1; i < first.size(); i++) {
            Bundle b = first.get(i);
            t += 3 * MS;
            at(t, b.id(), new PluginInstalled(b.version(), b.kind(), "file://" + DIST + b.jar()));
        }
        long pid0 = 1_200 + random.nextInt(800);
        t += 350 * MS;
        at(t, "engine", engineStarted(pid0, first));
        for (int i = engineAt + 1; i < first.size(); i++) {
            t += 15 * MS;
            at(t, first.get(i).id(), new PluginStarted(first.get(i).version()));
        }

        // Images: three on the first day, then more, and one tag that moves to a new build.
        pull(start + 2 * MIN, "127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest", false, 1, 1,
                List.of("sh"), false);
        pull(start + 3 * MIN, "alpine:3.20", "docker.io/library/alpine:3.20", true, 1, 1, List.of("/bin/sh"), false);
        pull(start + 4 * MIN, "nginx:1.27", "docker.io/library/nginx:1.27", true, 7, 2,
                List.of("/docker-entrypoint.sh", "nginx", "-g", "daemon off;"), true);
        pull(start + span / 10, "redis:7", "docker.io/library/redis:7", true, 8, 2,
                List.of("docker-entrypoint.sh", "redis-server"), true);
        pull(start + span / 4, "postgres:16", "docker.io/library/postgres:16", true, 14, 1,
                List.of("docker-entrypoint.sh", "postgres"), true);
        pull(start + span * 2 / 5, "debian:bookworm", "docker.io/library/debian:bookworm", true, 1, 1,
                List.of("bash"), false);
        pull(start + span * 11 / 20, "nginx:1.27", "docker.io/library/nginx:1.27", true, 7, 2,
                List.of("/docker-entrypoint.sh", "nginx", "-g", "daemon off;"), true);
        pull(start + span * 7 / 10, "python:3.12-slim", "docker.io/library/python:3.12-slim", true, 5, 1,
                List.of("python3"), false);

        // Daemon restarts: one plain, one upgrade to a new build, one plain.
        restart(start + span * 17 / 100, false);
        restart(start + span * 45 / 100, true);
        restart(start + span * 80 / 100, false);

        // A pull-stage plugin installed live, swapped in, swapped back the next day and uninstalled.
        long swap = start + span * 30 / 100;
        String bench = "dev.berth.bench.pull";
        String benchVersion = "0.1.0.202611051200";
        at(swap, bench, new PluginInstalled(benchVersion, "stage", "file:/var/lib/berth/plugins/berth-bench-pull.jar"));
        at(swap + 180 * MS, bench, new PluginStarted(benchVersion));
        at(swap + 2 * S, bench, new PluginSwapped("pull", benchVersion, "dev.berth.plugin.pull"));
        long back = swap + DAY + 3 * H;
        at(back, "dev.berth.plugin.pull", new PluginSwapped("pull", buildAt(back), bench));
        at(back + 40 * S, bench, new PluginStopped(benchVersion));
        at(back + 40 * S + 30 * MS, bench, new PluginUninstalled(benchVersion));

        // The default runtime: crun for a while, then back to runc.
        long toCrun = start + span * 35 / 100;
        long toRunc = start + span * 65 / 100;
        at(toCrun, "crun", new RuntimeDefaultChanged("crun", null));
        runtimes.put(toCrun, "crun");
        at(toRunc, "runc", new RuntimeDefaultChanged("runc", "crun"));
        runtimes.put(toRunc, "runc");

        at(start + span / 5, "note", new NoteAdded("kernel security update scheduled for tonight"));
        at(start + span / 2, "note", new NoteAdded("load test of the web tier, ticket OPS-1423"));
        at(start + span * 9 / 10, "nginx", new NoteAdded("nginx 1.27 rebuilt upstream; re-pulled on the 18th"));
    }

    private static int indexOf(List<Bundle> bundles, String id) {
        for (int i = 0; i < bundles.size(); i++) {
            if (bundles.get(i).id().equals(id)) {
                return i;
            }
        }
        throw new IllegalArgumentException(id);
    }

    private EngineStarted engineStarted(long daemonPid, List<Bundle> bundles) {
        return new EngineStarted("0.1.0-SNAPSHOT", daemonPid, root, "/run/berth", "17.0.15", "6.1.0-28-amd64",
                bundles.stream().map(Bundle::id).toList());
    }

    private void restart(long at, boolean upgrade) {
        long uptime = (at - start) / MS;
        at(at, "engine", new EngineStopped("daemon shutdown", uptime));
        long t = at + 4 * S + random.nextInt(3_000) * MS;
        downtimes.add(new Downtime(at - 2 * S, t + S));
        String build = buildAt(at);
        List<Bundle> now = bundles(upgrade ? BUILD_2 : build);
        if (upgrade) {
            for (Bundle b : now) {
                if (b.id().startsWith("dev.berth.")) {
                    t += 5 * MS;
                    at(t, b.id(), new PluginUpdated(BUILD_1, BUILD_2, "file://" + DIST + b.jar()));
                }
            }
            builds.put(at, BUILD_2);
        }
        t += 300 * MS;
        at(t, "engine", engineStarted(1_000 + random.nextInt(60_000), now));
    }

    private String buildAt(long nanos) {
        return builds.floorEntry(nanos).getValue();
    }

    private void pull(long at, String userRef, String reference, boolean fromIndex, int layerCount, int weight,
            List<String> args, boolean service) {
        String registry = reference.substring(0, reference.indexOf('/'));
        String name = reference;
        String manifest = digest();
        String config = digest();
        long configSize = 1_500 + random.nextInt(6_000);
        List<String> layers = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        List<String> chainIds = new ArrayList<>();
        String parent = null;
        long size = configSize;
        for (int i = 0; i < layerCount; i++) {
            layers.add(digest());
            long layerSize = i == 0 ? 1_000_000L + random.nextInt(30_000_000) : 200 + random.nextInt(8_000_000);
            sizes.add(layerSize);
            size += layerSize;
            String diffId = digest();
            diffIds.add(diffId);
            parent = parent == null ? diffId : "sha256:" + sha256Hex(parent + " " + diffId);
            chainIds.add(parent);
        }
        Image previous = null;
        for (Image image : images) {
            if (image.tagName().equals(name)) {
                previous = image;
            }
        }

        long t = at;
        at(t, reference, new PullRequested(reference, "linux/amd64"));
        t += 300 * MS + random.nextInt(900) * MS;
        at(t, reference, new ManifestResolved(reference, manifest, "application/vnd.oci.image.manifest.v1+json",
                fromIndex ? "linux/amd64" : "", fromIndex ? digest() : null));
        t += 60 * MS;
        at(t, config, new BlobFetched(config, "application/vnd.oci.image.config.v1+json", configSize, "network",
                registry, 40 + random.nextInt(200)));
        for (int i = 0; i < layerCount; i++) {
            long millis = 50 + sizes.get(i) / 15_000;
            t += millis * MS;
            at(t, layers.get(i), new BlobFetched(layers.get(i), "application/vnd.oci.image.layer.v1.tar+gzip",
                    sizes.get(i), "network", registry, millis));
        }
        for (int i = 0; i < layerCount; i++) {
            long millis = 20 + sizes.get(i) / 12_000;
            t += millis * MS;
            at(t, chainIds.get(i), new LayerExpanded(chainIds.get(i), diffIds.get(i), layers.get(i),
                    10 + sizes.get(i) / 4_000, sizes.get(i) * 5 / 2, millis));
        }
        t += 15 * MS;
        at(t, manifest, new ImagePulled(reference, manifest, "application/vnd.oci.image.manifest.v1+json", config,
                "linux/amd64", layers, chainIds, size));
        t += 5 * MS;
        if (previous != null) {
            at(t, name, new ImageUntagged(name, previous.manifest()));
            t += 2 * MS;
        }
        at(t, name, new ImageTagged(name, manifest));
        Image image = new Image(userRef, name, manifest, layerCount, args, service, t + S);
        for (int i = 0; i < weight; i++) {
            images.add(image);
        }
    }

    // ---- containers -------------------------------------------------------------------------------------

    /** Plans the container arriving at {@link #nextArrival} if it fits the budget, and the next arrival. */
    private void arrive() {
        long t = nextArrival;
        releaseNames(t);
        long budget = (long) total - KEPT * KEPT_EVENTS - emitted - queue.size();
        List<Planned> life = planContainer(t, pickKind());
        if (life.size() > budget) {
            life = planContainer(t, Kind.RUN_RM);
        }
        if (life.size() > budget) {
            arrivalsOpen = false;
            return;
        }
        commit(life);
        budget -= life.size();
        plannedContainers++;
        plannedContainerEvents += life.size();

        double average = (double) plannedContainerEvents / plannedContainers;
        double containersLeft = Math.max(1, budget / average);
        double mean = (mainEnd - t) / containersLeft;
        long gap = (long) (-Math.log(1 - random.nextDouble()) * mean);
        gap = Math.max(MS, Math.min(gap, (mainEnd - t) / 2));
        long next = t + gap;
        for (Downtime d : downtimes) {
            if (next >= d.from() && next < d.to()) {
                next = d.to();
            }
        }
        if (next >= mainEnd) {
            arrivalsOpen = false;
        }
        nextArrival = next;
    }

    private void commit(List<Planned> life) {
        Container c = life.get(0).container();
        namesInUse.add(c.name());
        queue.addAll(life);
        containers++;
        for (Planned p : life) {
            // The name is free again once the container is removed, or once a failed creation is undone.
            if (p.draft().type().equals("container.removed")
                    || (c.kind() == Kind.CREATE_FAILED && p.draft().type().equals("rootfs.unmounted"))) {
                releaseNames.add(c.name());
                nameReleases.add(new long[] {p.nanos(), releaseNames.size() - 1});
            }
        }
    }

    private void releaseNames(long now) {
        while (!nameReleases.isEmpty() && nameReleases.peek()[0] <= now) {
            namesInUse.remove(releaseNames.get((int) nameReleases.poll()[1]));
        }
    }

    private Kind pickKind() {
        int r = random.nextInt(1_000);
        if (r < 600) {
            return Kind.RUN_RM;
        } else if (r < 790) {
            return Kind.RUN;
        } else if (r < 860) {
            return Kind.SERVICE;
        } else if (r < 920) {
            return Kind.CREATE_START;
        } else if (r < 990) {
            return Kind.INTERACTIVE;
        }
        return Kind.CREATE_FAILED;
    }

    /** The last containers: plain {@code berth run}s, exited and not removed, in the last two hours. */
    private void planKept() {
        long from = Math.max(lastNanos, mainEnd) + MIN;
        long step = Math.max(S, (end - 10 * MIN - from) / KEPT);
        for (int i = 0; i < KEPT; i++) {
            releaseNames(from + i * step);
            List<Planned> life = planContainer(from + i * step, Kind.KEPT);
            commit(life);
        }
    }

    /** One container's whole life from {@code t}: its events in order, all for the same new container. */
    private List<Planned> planContainer(long t, Kind kind) {
        Image image = pickImage(t, kind == Kind.SERVICE);
        long limit = kind == Kind.KEPT ? end - 5 * MIN : mainEnd;
        String id = hex64();
        boolean named = kind == Kind.SERVICE || random.nextInt(10) == 0;
        String name = named ? serviceName(image) : generatedName();
        String runtime = random.nextInt(50) == 0 ? (runtimes.floorEntry(t).getValue().equals("runc") ? "crun" : "runc")
                : null;
        String effectiveRuntime = runtime != null ? runtime : runtimes.floorEntry(t).getValue();
        String build = buildAt(t);

        Map<String, List<String>> isolation = new TreeMap<>();
        long memory = 0;
        if (kind == Kind.SERVICE && random.nextInt(3) > 0 || kind != Kind.SERVICE && random.nextInt(12) == 0) {
            memory = List.of(64L, 128L, 256L, 512L, 1024L).get(random.nextInt(5)) << 20;
            isolation.put("memory", List.of(memory >= (1L << 30) ? (memory >> 30) + "g" : (memory >> 20) + "m"));
        }
        int pids = 0;
        if (random.nextInt(8) == 0) {
            pids = List.of(100, 200, 512).get(random.nextInt(3));
            isolation.put("pids-limit", List.of(Integer.toString(pids)));
        }
        boolean dropRaw = random.nextInt(10) == 0;
        if (dropRaw) {
            isolation.put("cap-drop", List.of("NET_RAW"));
        }
        boolean interactive = kind == Kind.INTERACTIVE;
        List<String> command = command(image, kind);
        // What runs: the image's entrypoint and command, or its entrypoint and the given command.
        List<String> args = command == null ? image.args() : image.service()
                ? concat(image.args().subList(0, 1), command) : command;
        String user = random.nextInt(15) == 0 ? "1000:1000" : null;
        List<String> env = kind == Kind.SERVICE && image.userRef().startsWith("postgres")
                ? List.of("POSTGRES_HOST_AUTH_METHOD=trust")
                : random.nextInt(6) == 0 ? List.of("APP_ENV=staging") : List.of();
        List<VolumeMount> volumes = kind == Kind.SERVICE && random.nextBoolean()
                ? List.of(new VolumeMount("/srv/" + name, "/data", false, null)) : List.of();
        RunOptions options = new RunOptions(command, null, env, null, user, null, false, volumes, interactive,
                interactive, runtime, isolation);
        boolean autoRemove = kind == Kind.RUN_RM || kind == Kind.INTERACTIVE;

        Life life = new Life(t, limit, id, name, kind, image.userRef());

        String rootfs = root + "/mounts/" + id + "/merged";
        life.at(0, new RootfsMounted("overlay", rootfs, image.layers()));
        if (kind == Kind.CREATE_FAILED) {
            life.at(40 * MS + random.nextInt(200) * MS, new RootfsUnmounted("overlay",
                    "create failed: spec: user \"app\" is not in /etc/passwd of the image"));
            return life.finish();
        }
        String specDigest = digest();
        life.at(8 * MS + random.nextInt(20) * MS, spec(id, specDigest, args, user, memory, pids, dropRaw, build));
        life.at(3 * MS + random.nextInt(5) * MS, new ContainerCreated(name, image.userRef(), image.manifest(),
                effectiveRuntime, specDigest, options, autoRemove));

        switch (kind) {
            case RUN_RM, KEPT, RUN -> {
                life.at(70 * MS + random.nextInt(150) * MS, new ContainerStarted(nextPid(), effectiveRuntime));
                long runs = kind == Kind.KEPT ? S + random.nextInt(20) * S : jobLength();
                exit(life, runs, memory, kind == Kind.KEPT ? 0.3 : 0.08);
                life.at(20 * MS + random.nextInt(60) * MS, new RootfsUnmounted("overlay", "container exited"));
                if (kind == Kind.RUN_RM) {
                    life.at(8 * MS + random.nextInt(20) * MS, new ContainerRemoved(name, "--rm after exit"));
                } else if (kind == Kind.RUN) {
                    life.at(life.upTo(lognormal(20 * MIN, 1.5)), new ContainerRemoved(name, "berth rm"));
                }
            }
            case INTERACTIVE -> {
                life.at(90 * MS + random.nextInt(150) * MS, new ContainerStarted(nextPid(), effectiveRuntime));
                long runs = life.upTo(lognormal(4 * MIN, 1.0));
                int code = random.nextInt(5) == 0 ? 130 : 0;
                life.at(runs, new ContainerExited(code, 0, false, finishedAt(life.t + runs), null));
                life.at(20 * MS + random.nextInt(60) * MS, new RootfsUnmounted("overlay", "container exited"));
                life.at(8 * MS + random.nextInt(20) * MS, new ContainerRemoved(name, "--rm after exit"));
            }
            case CREATE_START -> {
                life.at(life.upTo(lognormal(30 * S, 1.5)), new ContainerStarted(nextPid(), effectiveRuntime));
                exit(life, jobLength(), memory, 0.1);
                life.at(20 * MS + random.nextInt(60) * MS, new RootfsUnmounted("overlay", "container exited"));
                life.at(life.upTo(lognormal(10 * MIN, 1.5)), new ContainerRemoved(name, "berth rm"));
            }
            case SERVICE -> service(life, name, effectiveRuntime, memory, rootfs, image);
            default -> throw new IllegalStateException(kind.toString());
        }
        return life.finish();
    }

    /** A detached service: execs now and then, maybe OOM kills and restarts, then stopped and removed. */
    private void service(Life life, String name, String runtime, long memory, String rootfs, Image image) {
        life.at(80 * MS + random.nextInt(150) * MS, new ContainerStarted(nextPid(), runtime));
        long lifetime = life.upTo(Math.min(3 * DAY, lognormal(2 * H, 1.3)));
        long until = life.t + lifetime;
        int restarts = random.nextInt(6) == 0 ? 1 + random.nextInt(2) : 0;
        long nextRestart = restarts > 0 ? life.t + lifetime / (restarts + 1) : Long.MAX_VALUE;
        long oomCount = 0;
        while (true) {
            long gap = (long) (-Math.log(1 - random.nextDouble()) * 40 * MIN);
            if (life.t + gap >= until - S) {
                break;
            }
            if (life.t + gap >= nextRestart) {
                // berth restart: stop (SIGTERM), the exit, the unmount; then mount and start again.
                life.at(nextRestart - life.t, new ContainerKilled(15, "berth restart"));
                life.at(200 * MS + random.nextInt(800) * MS, new ContainerExited(143, 15, false,
                        finishedAt(life.t), null));
                life.at(25 * MS, new RootfsUnmounted("overlay", "container exited"));
                life.at(20 * MS, new RootfsMounted("overlay", rootfs, image.layers()));
                life.at(90 * MS + random.nextInt(100) * MS, new ContainerStarted(nextPid(), runtime));
                oomCount = 0;
                restarts--;
                nextRestart = restarts > 0 ? life.t + (until - life.t) / (restarts + 1) : Long.MAX_VALUE;
                continue;
            }
            life.at(gap, random.nextInt(12) == 0 && memory > 0
                    ? new ContainerOom("cgroups", ++oomCount, "the OOM killer killed a process in the container "
                            + "(oom_kill " + oomCount + ", memory limit " + (memory >> 20) + " MiB)")
                    : exec());
        }
        long stopAt = Math.max(MS, until - life.t);
        int how = random.nextInt(10);
        if (how < 6) {
            life.at(stopAt, new ContainerKilled(15, "berth stop"));
            life.at(100 * MS + random.nextInt(900) * MS, new ContainerExited(143, 15, false, finishedAt(life.t), null));
        } else if (how < 8) {
            life.at(stopAt, new ContainerKilled(15, "berth stop"));
            life.at(10 * S, new ContainerKilled(9, "berth stop (after 10 s)"));
            life.at(20 * MS, new ContainerExited(137, 9, false, finishedAt(life.t), null));
        } else if (how < 9 && memory > 0) {
            life.at(stopAt, new ContainerOom("cgroups", ++oomCount, "the OOM killer killed a process in the container "
                    + "(oom_kill " + oomCount + ", memory limit " + (memory >> 20) + " MiB)"));
            life.at(5 * MS, new ContainerExited(137, 9, true, finishedAt(life.t), null));
        } else {
            life.at(stopAt, new ContainerKilled(9, "berth rm -f"));
            life.at(20 * MS, new ContainerExited(137, 9, false, finishedAt(life.t), null));
            life.at(30 * MS, new RootfsUnmounted("overlay", "container exited"));
            life.at(40 * MS, new ContainerRemoved(name, "berth rm"));
            return;
        }
        life.at(30 * MS, new RootfsUnmounted("overlay", "container exited"));
        life.at(life.upTo(lognormal(2 * MIN, 1.5)), new ContainerRemoved(name, "berth rm"));
    }

    /** The exit of a job after {@code runs}: mostly 0, sometimes an error, an OOM kill when it has a limit. */
    private void exit(Life life, long runs, long memory, double failing) {
        runs = life.upTo(runs);
        if (memory > 0 && random.nextInt(15) == 0) {
            life.at(runs, new ContainerOom("cgroups", 1, "the OOM killer killed a process in the container "
                    + "(oom_kill 1, memory limit " + (memory >> 20) + " MiB)"));
            life.at(3 * MS, new ContainerExited(137, 9, true, finishedAt(life.t), null));
            return;
        }
        int code = random.nextDouble() < failing ? List.of(1, 1, 1, 2, 127, 126).get(random.nextInt(6)) : 0;
        life.at(runs, new ContainerExited(code, 0, false, finishedAt(life.t + runs - 2 * MS), null));
    }

    private long jobLength() {
        return Math.min(2 * H, lognormal(3 * S, 2.0));
    }

    private ContainerExecd exec() {
        List<List<String>> commands = List.of(List.of("sh"), List.of("ps", "aux"), List.of("cat", "/etc/hosts"),
                List.of("wget", "-qO-", "http://127.0.0.1:8080/health"), List.of("ls", "-l", "/data"),
                List.of("env"));
        int pick = random.nextInt(commands.size());
        return new ContainerExecd(hex16(), commands.get(pick), random.nextInt(8) == 0 ? "1000:1000" : null, pick == 0);
    }

    private List<String> command(Image image, Kind kind) {
        if (kind == Kind.SERVICE) {
            return image.service() ? null : List.of("sh", "-c", "while true; do date; sleep 60; done");
        }
        if (kind == Kind.INTERACTIVE) {
            return image.args().get(0).equals("python3") ? List.of("python3") : List.of("sh");
        }
        List<List<String>> jobs = switch (image.userRef()) {
            case "python:3.12-slim" -> List.of(List.of("python3", "-c", "print(sum(range(10**6)))"),
                    List.of("python3", "-m", "pip", "--version"));
            case "debian:bookworm" -> List.of(List.of("bash", "-c", "apt-get --version"),
                    List.of("cat", "/etc/os-release"));
            default -> List.of(List.of("true"), List.of("sh", "-c", "echo hello from $(hostname)"),
                    List.of("sleep", "5"), List.of("ls", "/"), List.of("sh", "-c", "exit 0"), List.of("date"),
                    List.of("wget", "-qO-", "http://10.0.3.15/health"));
        };
        return jobs.get(random.nextInt(jobs.size()));
    }

    /** An image that exists at {@code t}, by weight: the newest pull of each name; for a service, mostly servers. */
    private Image pickImage(long t, boolean service) {
        Map<String, Image> newest = new TreeMap<>();
        for (Image image : images) {
            if (image.availableAt() <= t) {
                newest.put(image.userRef(), image); // images are listed in pull order
            }
        }
        List<Image> ready = new ArrayList<>();
        for (Image image : images) {
            if (image == newest.get(image.userRef()) && (!service || image.service() || random.nextInt(4) == 0)) {
                ready.add(image);
            }
        }
        if (ready.isEmpty()) {
            ready.addAll(newest.values());
        }
        if (ready.isEmpty()) {
            throw new IllegalStateException("a container planned before the first image was pulled");
        }
        return ready.get(random.nextInt(ready.size()));
    }

    private String serviceName(Image image) {
        String base = image.userRef().replaceAll(".*/", "").replaceAll("[:@].*", "");
        String name;
        do {
            name = base + "-" + (++serviceSerial);
        } while (namesInUse.contains(name));
        return name;
    }

    /** Words for generated names; shaped like the engine's adjective_noun names, not the same lists. */
    private static final List<String> FIRST = List.of("amber", "azure", "coral", "crimson", "golden", "indigo",
            "ivory", "jade", "olive", "silver");
    private static final List<String> SECOND = List.of("otter", "heron", "lynx", "marten", "osprey", "puffin",
            "raven", "stoat", "wren", "badger");

    /** A name as the engine generates one: two words, with a number once those are taken. */
    private String generatedName() {
        for (int attempt = 0; ; attempt++) {
            String name = FIRST.get(random.nextInt(FIRST.size())) + "_" + SECOND.get(random.nextInt(SECOND.size()));
            if (attempt > 10) {
                name += "_" + random.nextInt(10_000);
            }
            if (!namesInUse.contains(name)) {
                return name;
            }
        }
    }

    private int nextPid() {
        pid += 3 + random.nextInt(40);
        if (pid > 4_194_000) {
            pid = 300 + random.nextInt(1_000);
        }
        return pid;
    }

    // ---- spec.generated ---------------------------------------------------------------------------------

    private static final List<String> DEFAULT_CAPS = List.of("CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP",
            "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT");
    private static final String NAMESPACES = "[{\"type\":\"cgroup\"},{\"type\":\"ipc\"},{\"type\":\"mount\"},"
            + "{\"type\":\"network\"},{\"type\":\"pid\"},{\"type\":\"uts\"}]";
    private static final String CAPS_ALL = capabilities(DEFAULT_CAPS);
    private static final String CAPS_NO_RAW = capabilities(DEFAULT_CAPS.stream().filter(c -> !c.equals("CAP_NET_RAW"))
            .toList());

    private static String capabilities(List<String> caps) {
        String list = "[\"" + String.join("\",\"", caps) + "\"]";
        return "{\"bounding\":" + list + ",\"effective\":" + list + ",\"permitted\":" + list
                + ",\"inheritable\":[],\"ambient\":[]}";
    }

    /** The spec.generated payload the spec stage and the four built-in isolation modules would produce. */
    private SpecGenerated spec(String id, String digest, List<String> args, String user, long memory, int pids,
            boolean dropRaw, String build) {
        int uid = user == null ? 0 : 1000;
        List<String> decisions = List.of(
                "hostname " + id.substring(0, 12) + ": the first 12 characters of the container id",
                user == null ? "user root (0:0): neither the image nor the options name one"
                        : "user " + user + " (1000:1000): from --user",
                "RLIMIT_NOFILE 20000 instead of 1048576: the engine's own hard limit, which it cannot raise without"
                        + " CAP_SYS_RESOURCE",
                "devices: all denied but the runtime's defaults (null, zero, full, random, urandom, tty, ...)",
                "isolation modules, in order: namespaces " + build + ", cgroups " + build + ", capabilities " + build
                        + ", selinux " + build);
        ModuleRecord namespaces = new ModuleRecord("namespaces", build, 100,
                List.of(SpecField.set("/linux/namespaces", NAMESPACES,
                        "new mount, pid, ipc, network, uts, cgroup namespaces")),
                List.of("new network namespace: loopback only (the default)",
                        "no user namespace: container ids are host ids (--userns host, the default)"), Map.of());
        List<SpecField> limits = new ArrayList<>();
        Map<String, String> facts = new TreeMap<>();
        if (memory > 0) {
            String asked = memory >= (1L << 30) ? (memory >> 30) + "g" : (memory >> 20) + "m";
            limits.add(SpecField.set("/linux/resources/memory",
                    "{\"limit\":" + memory + ",\"swap\":" + 2 * memory + "}",
                    "--memory " + asked + ": limit " + (memory >> 20) + " MiB; memory+swap " + (memory >> 19)
                            + " MiB (no --memory-swap: twice the memory, as Docker does)"));
            facts.put("memory.limit", Long.toString(memory));
        }
        if (pids > 0) {
            limits.add(SpecField.set("/linux/resources/pids", "{\"limit\":" + pids + "}", "--pids-limit " + pids));
        }
        ModuleRecord cgroups = new ModuleRecord("cgroups", build, 200, limits,
                limits.isEmpty() ? List.of("no resource limits asked for") : List.of(), facts);
        ModuleRecord capabilities = new ModuleRecord("capabilities", build, 300, List.of(
                SpecField.set("/process/capabilities", dropRaw ? CAPS_NO_RAW : CAPS_ALL, dropRaw
                        ? "Docker's default 14 capabilities without --cap-drop NET_RAW: 13 capabilities bounding, "
                                + "effective and permitted; inheritable and ambient empty"
                        : "Docker's default 14 capabilities: 14 capabilities bounding, effective and permitted; "
                                + "inheritable and ambient empty"),
                SpecField.set("/process/noNewPrivileges", "true", "no-new-privileges by default: setuid programs "
                        + "and file capabilities cannot raise privileges; --security-opt no-new-privileges=false "
                        + "turns it off")),
                List.of(), Map.of());
        int c1 = random.nextInt(1023);
        int c2 = c1 + 1 + random.nextInt(1023 - c1);
        String level = "s0:c" + c1 + ",c" + c2;
        ModuleRecord selinux = new ModuleRecord("selinux", build, 400, List.of(),
                List.of("SELinux labels computed but left out of config.json: no SELinux on this host (no "
                        + "/sys/fs/selinux); runc and crun refuse them otherwise"),
                Map.of("enabled", "false", "mountLabel", "system_u:object_r:container_file_t:" + level, "level", level,
                        "processLabel", "system_u:system_r:container_t:" + level));
        return new SpecGenerated(digest, args, uid, uid, "/", decisions,
                List.of(namespaces, cgroups, capabilities, selinux));
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private void at(long nanos, String subject, Record payload) {
        queue.add(new Planned(nanos, order++, EventDrafts.of(subject, payload), null));
    }

    private long lognormal(long median, double sigma) {
        return (long) (median * Math.exp(sigma * random.nextGaussian()));
    }

    private static String finishedAt(long nanos) {
        return Instant.ofEpochSecond(0, nanos).toString();
    }

    private String digest() {
        return "sha256:" + hex64();
    }

    private String hex64() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return hex.formatHex(bytes);
    }

    private String hex16() {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return hex.formatHex(bytes);
    }

    private String sha256Hex(String text) {
        return hex.formatHex(sha256.digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** One container's events as they are planned: a time cursor that only moves forward, up to a limit. */
    private final class Life {
        private final long limit;
        private final String id;
        private final String name;
        private final Kind kind;
        private final String image;
        private final List<Record> payloads = new ArrayList<>();
        private final List<Long> times = new ArrayList<>();
        long t;

        Life(long t, long limit, String id, String name, Kind kind, String image) {
            this.t = t;
            this.limit = limit;
            this.id = id;
            this.name = name;
            this.kind = kind;
            this.image = image;
        }

        /** {@code wanted}, shortened so that a few seconds of events still fit before the limit. */
        long upTo(long wanted) {
            return Math.max(MS, Math.min(wanted, limit - 30 * S - t));
        }

        void at(long after, Record payload) {
            t += Math.max(0, after);
            times.add(t);
            payloads.add(payload);
        }

        List<Planned> finish() {
            Container container = new Container(id, name, kind, image, payloads.size());
            List<Planned> events = new ArrayList<>(payloads.size());
            for (int i = 0; i < payloads.size(); i++) {
                events.add(new Planned(times.get(i), order++, EventDrafts.of(id, payloads.get(i)), container));
            }
            return events;
        }
    }
}
