package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.container.CreateRequest;
import dev.berth.api.container.ExecRequest;
import dev.berth.api.container.ExitStatus;
import dev.berth.api.container.GeneratedSpec;
import dev.berth.api.container.MountedRootfs;
import dev.berth.api.container.RunOptions;
import dev.berth.api.container.RuntimeInfo;
import dev.berth.api.container.RuntimeState;
import dev.berth.api.container.SpecRequest;
import dev.berth.api.container.SpecStage;
import dev.berth.api.container.VolumeMount;
import dev.berth.api.events.ContainerCreated;
import dev.berth.api.events.ContainerExecd;
import dev.berth.api.events.ContainerExited;
import dev.berth.api.events.ContainerOom;
import dev.berth.api.events.ContainerKilled;
import dev.berth.api.events.ContainerRemoved;
import dev.berth.api.events.ContainerStarted;
import dev.berth.api.events.RootfsMounted;
import dev.berth.api.events.RootfsUnmounted;
import dev.berth.api.events.RuntimeDefaultChanged;
import dev.berth.api.events.SpecGenerated;
import dev.berth.api.isolation.ModuleRecord;
import dev.berth.api.isolation.Observation;
import dev.berth.engine.impl.ContainerProjection.Container;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Containers in the engine: create (mount, then spec), start (runtime create and start), stop, kill,
 * remove, exec, and the queries, all on {@link BusAddresses#ENGINE_CONTAINERS}; every state change is
 * appended to the log before it is acknowledged, and the container projection is the only state. Exits
 * reported by runtime plugins ({@link BusAddresses#RUNTIME_EXITED}) are logged, the root filesystem
 * unmounted and {@code --rm} containers removed. When a runtime plugin appears, the containers it holds
 * are re-adopted: those that ended while the engine was down get their exit logged.
 *
 * <p>Thread-safe: operations run on worker threads and take a per-container lock; waiters are completed
 * under {@link #waiters}.
 */
final class ContainerService {
    private static final System.Logger LOG = System.getLogger("berth.engine.containers");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;
    private static final String DEFAULT_RUNTIME = "runc";
    /** The suffix of a removed container's folder while a worker deletes it. */
    private static final String DISCARDED = ".removed";

    private final Vertx vertx;
    private final BusCalls calls;
    private final ContainerStages stages;
    private final Projections projections;
    private final ContainerProjection containers;
    private final ImageProjection images;
    private final Path root;
    private final StoreLayout store;
    /** Short symbolic links to attach sockets, whose real paths can exceed the 107-byte socket limit. */
    private final Path attachLinks;
    private final String configuredDefault;
    private final ContainerQueries queries;
    private final ObjectMapper json = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Set<String> reservedNames = ConcurrentHashMap.newKeySet();
    /** Containers whose creation is under way: their mounts are not orphans. */
    private final Set<String> creating = ConcurrentHashMap.newKeySet();
    /**
     * What this engine knows of each container's runtime state without asking the runtime (each question
     * is a runtime process, tens of milliseconds): absent after creation and after a delete; created,
     * with its init pid, after a runtime create. Unknown ids are asked.
     */
    private final Map<String, Integer> createdInRuntime = new ConcurrentHashMap<>();
    private final Set<String> absentInRuntime = ConcurrentHashMap.newKeySet();
    /** When this engine last asked the runtime to start each container: exits older than that are stale. */
    private final Map<String, Instant> startRequested = new ConcurrentHashMap<>();
    /** Containers being restarted: their exit does not remove them even with --rm, as with Docker. */
    private final Set<String> restarting = ConcurrentHashMap.newKeySet();
    /** Containers starts are under way for (waiting for, or holding, the container's lock), and how many. */
    private final Map<String, Integer> starting = new ConcurrentHashMap<>();
    /** Runtimes whose containers were reconciled with the log since the engine started. */
    private final Set<String> reconciled = ConcurrentHashMap.newKeySet();
    /** Set once the reconciliation of every runtime bound at the start has run (2 s after it). */
    private volatile boolean startReconciled;
    /** Containers whose exit is being handled (logged, released, maybe removed) right now. */
    private final Set<String> exiting = ConcurrentHashMap.newKeySet();
    /** The last signal the engine itself sent to a container whose runtime plugin is gone. */
    private final Map<String, Integer> orphanSignals = new ConcurrentHashMap<>();
    /**
     * Exits a runtime reported while the container's start was under way, before {@code container.started}
     * was logged (a process that ends at once): the check after the start handles them without asking again.
     */
    private final Map<String, ExitStatus> earlyExits = new ConcurrentHashMap<>();
    /** Exits seen since the engine started, by container id, for waiters that come late. */
    private final Map<String, JsonObject> exits = new HashMap<>();
    private final Map<String, List<Promise<JsonObject>>> waiters = new HashMap<>();

    private final IsolationTracker isolation;
    private final IsolationQueries isolationQueries;
    /** OOM kills watchers reported, by container, not yet logged. */
    private final Map<String, SeenOom> observedOom = new ConcurrentHashMap<>();
    /** A namespace path that joins another process's namespace. */
    private static final Pattern JOINED = Pattern.compile("/proc/(\\d+)/ns/[a-z_]+");

    private final ContainerAnatomy anatomy;

    ContainerService(Vertx vertx, BusCalls calls, Projections projections, ContainerProjection containers,
            ImageProjection images, ImageService imageService, Path root, Path runDir, String configuredDefault) {
        this.vertx = vertx;
        this.calls = calls;
        this.stages = new ContainerStages(calls);
        this.projections = projections;
        this.containers = containers;
        this.images = images;
        this.root = root;
        this.store = new StoreLayout(root);
        this.attachLinks = runDir.resolve("attach");
        this.queries = new ContainerQueries(projections, containers, stages, root);
        this.isolation = new IsolationTracker(() -> projections.query(containers::all), this::observed);
        this.isolationQueries = new IsolationQueries(queries, isolation, Path.of("/proc"));
        this.anatomy = new ContainerAnatomy(calls, stages, queries, projections, images, imageService, root,
                this::lock);
        this.configuredDefault = configuredDefault == null || configuredDefault.isBlank() ? DEFAULT_RUNTIME
                : configuredDefault;
    }

    List<MessageConsumer<?>> register() {
        List<MessageConsumer<?>> consumers = new ArrayList<>();
        consumers.add(vertx.eventBus().<String>consumer(BusAddresses.ENGINE_CONTAINERS, this::onRequest));
        consumers.add(vertx.eventBus().<String>consumer(BusAddresses.RUNTIME_EXITED, m -> vertx.executeBlocking(() -> {
            onExited(new JsonObject(m.body()));
            return null;
        }, false)));
        consumers.add(vertx.eventBus().<String>consumer(StageBusComponent.RUNTIME_BOUND,
                m -> vertx.executeBlocking(() -> {
                    reconcile(m.body());
                    return null;
                }, false)));
        // Runtimes bound before this service listened are reconciled once the engine settled.
        vertx.setTimer(2_000, t -> vertx.executeBlocking(() -> {
            reconcileAll();
            return null;
        }, false));
        return consumers;
    }

    private void onRequest(Message<String> message) {
        JsonObject request;
        try {
            request = new JsonObject(message.body());
        } catch (RuntimeException e) {
            message.fail(ErrorKind.INVALID.httpStatus(), "containers: " + e.getMessage());
            return;
        }
        String op = request.getString("op", "");
        if (op.equals("wait")) {
            waitFor(message, request);
            return;
        }
        calls.serve(message, op.isEmpty() ? "containers" : op, r -> switch (op) {
            case "create" -> create(r);
            case "start" -> start(r);
            case "attach" -> attach(r);
            case "stop" -> stop(r);
            case "kill" -> kill(r);
            case "restart" -> restart(r);
            case "remove" -> remove(r);
            case "list" -> queries.list(r);
            case "inspect" -> queries.inspect(r);
            case "logs" -> queries.logs(r);
            case "exec" -> exec(r);
            case "top" -> queries.top(r);
            case "stats" -> isolationQueries.stats(r);
            case "caps" -> isolationQueries.caps(r);
            case "changes" -> anatomy.changes(r);
            case "commit" -> anatomy.commit(r);
            case "export" -> anatomy.export(r);
            case "runtimes" -> runtimes();
            case "runtime.default" -> setDefaultRuntime(r);
            default -> throw new BerthException(ErrorKind.INVALID, "containers: unknown op \"" + op + "\"");
        });
    }

    // ---- create ----------------------------------------------------------------------------------------

    private JsonObject create(JsonObject request) throws BerthException {
        String imageRef = request.getString("image", "");
        if (imageRef.isBlank()) {
            throw new BerthException(ErrorKind.INVALID, "create: no image given");
        }
        RunOptions options = ContainerJson.fromJson(request.getJsonObject("options", new JsonObject()),
                RunOptions.class);
        validate(options);
        boolean autoRemove = request.getBoolean("autoRemove", false);
        String runtime = options.runtime() == null || options.runtime().isBlank() ? defaultRuntime()
                : options.runtime();
        RuntimeInfo info = stages.info(runtime);
        if (!info.usable()) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "create: runtime " + runtime + " cannot run containers "
                    + "here: " + info.reason());
        }
        ImageProjection.Image image = findImage(imageRef);
        String name = request.getString("name");
        String id = newId();
        if (name == null || name.isBlank()) {
            // Reserved as it is picked: creates under way at the same moment must never pick one free name
            // twice (checking first and reserving after let 50 concurrent creates collide).
            name = Names.generate(random, n -> !inUse(n) && reservedNames.add(n));
            reservedNames.add(name); // the generator's last resort, a random hex name, is not offered to the test
        } else {
            if (!NAME.matcher(name).matches()) {
                throw new BerthException(ErrorKind.INVALID, "create: invalid container name \"" + name
                        + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
            }
            if (!reservedNames.add(name)) {
                throw new BerthException(ErrorKind.CONFLICT, "create: the container name \"" + name
                        + "\" is being used by a container being created");
            }
        }
        try {
            String wantedName = name;
            String taken = projections.query(() -> containers.all().stream()
                    .filter(c -> !c.status().equals("removed") && c.name().equals(wantedName))
                    .map(Container::id).findFirst().orElse(null));
            if (taken != null) {
                throw new BerthException(ErrorKind.CONFLICT, "create: the container name \"" + name
                        + "\" is already in use by container " + taken + ": remove it or pick another name");
            }
            creating.add(id);
            try {
                synchronized (lock(id)) {
                    createLocked(id, name, imageRef, image, options, runtime, autoRemove);
                }
            } finally {
                creating.remove(id);
            }
        } finally {
            reservedNames.remove(name);
        }
        return new JsonObject().put("id", id).put("name", name).put("warnings", new JsonArray());
    }

    /** Whether a container that is not removed has {@code name}. */
    private boolean inUse(String name) {
        return projections.query(() -> containers.all().stream()
                .anyMatch(c -> !c.status().equals("removed") && c.name().equals(name)));
    }

    private void createLocked(String id, String name, String imageRef, ImageProjection.Image image,
            RunOptions options, String runtime, boolean autoRemove) throws BerthException {
        Map<String, Integer> peers = peers(options);
        stages.checkSpec(SpecStage.checkRequest(id, name, options, peers));
        Path dir = containerDir(id);
        MountedRootfs rootfs = null;
        RootfsMounted unlogged = null; // the mount's event until it is appended
        List<ModuleRecord> modules = List.of();
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            List<String> layers = store.layerTrees(image.chainIds());
            rootfs = stages.mount(id, layers, autoRemove);
            // Logged with the spec and the creation, one fsync for the three: a crash before that append
            // leaves a mount no container needs, which the mount reconciliation at start undoes.
            RootfsMounted mounted = new RootfsMounted(rootfs.snapshotter(), rootfs.rootfs(), layers.size());
            unlogged = mounted;
            String config = Files.readString(store.blob(image.configDigest()));
            GeneratedSpec spec = stages.spec(new SpecRequest(id, name, rootfs.rootfs(), dir.toString(), config,
                    options, peers, autoRemove));
            modules = spec.modules();
            unlogged = null; // appended now, or the log fails and stops
            calls.appendAll(id, mounted, new SpecGenerated(spec.digest(), spec.args(), spec.uid(), spec.gid(),
                    spec.cwd(), spec.decisions(), spec.modules()),
                    new ContainerCreated(name, imageRef, image.manifestDigest(), runtime, spec.digest(), options,
                            autoRemove));
            absentInRuntime.add(id);
        } catch (BerthException | IOException | RuntimeException e) {
            isolation.released(id, modules);
            undoCreate(id, rootfs, unlogged, describe(e));
            if (e instanceof BerthException b) {
                throw b;
            }
            throw new BerthException(ErrorKind.INTERNAL, "create container " + id + ": " + describe(e), e);
        }
    }

    /**
     * Removes what a failed create made; the mount's event when it was not appended yet ({@code unlogged}) is
     * logged with the unmount, so no mount goes unseen.
     */
    private void undoCreate(String id, MountedRootfs rootfs, RootfsMounted unlogged, String why) {
        try {
            stages.removeRootfs(id);
        } catch (BerthException e) {
            LOG.log(Level.WARNING, "undo create of " + id + ": remove its root filesystem: " + e.getMessage());
        }
        deleteTree(containerDir(id));
        if (rootfs != null) {
            try {
                RootfsUnmounted unmounted = new RootfsUnmounted(rootfs.snapshotter(), "create failed: " + why);
                if (unlogged == null) {
                    calls.append(id, unmounted);
                } else {
                    calls.appendAll(id, unlogged, unmounted);
                }
            } catch (BerthException e) {
                LOG.log(Level.WARNING, "undo create of " + id + ": " + e.getMessage());
            }
        }
    }

    private static void validate(RunOptions options) throws BerthException {
        for (String entry : options.env()) {
            if (entry.indexOf('=') <= 0) {
                throw new BerthException(ErrorKind.INVALID, "create: invalid environment variable \"" + entry
                        + "\": expected KEY=VALUE");
            }
        }
        for (VolumeMount volume : options.volumes()) {
            if (!volume.source().startsWith("/") || !volume.target().startsWith("/")) {
                throw new BerthException(ErrorKind.INVALID, "create: invalid volume " + volume.source() + ":"
                        + volume.target() + ": both paths must be absolute");
            }
        }
        if (options.workingDir() != null && !options.workingDir().isEmpty() && !options.workingDir().startsWith("/")) {
            throw new BerthException(ErrorKind.INVALID, "create: the working directory \"" + options.workingDir()
                    + "\" is not absolute");
        }
    }

    /** The options that join another container's namespace, {@code container:NAME}: NAME to its pid. */
    private Map<String, Integer> peers(RunOptions options) throws BerthException {
        Map<String, Integer> peers = new HashMap<>();
        for (Map.Entry<String, List<String>> option : options.isolation().entrySet()) {
            for (String value : option.getValue()) {
                if (!value.startsWith("container:")) {
                    continue;
                }
                String wanted = value.substring("container:".length());
                if (wanted.isEmpty()) {
                    throw new BerthException(ErrorKind.INVALID, "create: --" + option.getKey() + " " + value
                            + ": no container named");
                }
                Container peer;
                try {
                    peer = current(resolve(wanted).id());
                } catch (BerthException e) {
                    throw new BerthException(e.kind(), "create: --" + option.getKey() + " " + value + ": "
                            + e.getMessage(), e);
                }
                if (!peer.running() || peer.pid() <= 0) {
                    throw new BerthException(ErrorKind.CONFLICT, "create: --" + option.getKey() + " " + value
                            + ": container " + peer.name() + " is not running, so it has no namespaces to join");
                }
                peers.put(wanted, peer.pid());
            }
        }
        return peers;
    }

    /**
     * A container created to join another's namespaces ({@code --network container:NAME}) has that
     * process's {@code /proc/PID/ns/...} in its spec: starting it again is refused unless a running
     * container still has that pid, so it never joins a recycled pid's namespaces (a host process's).
     */
    private void checkJoinedNamespaces(Container c) throws BerthException {
        JsonNode namespaces;
        try {
            namespaces = json.readTree(Files.readString(containerDir(c.id()).resolve("config.json")))
                    .path("linux").path("namespaces");
        } catch (IOException e) {
            return; // no spec to read: the runtime says so itself
        }
        for (JsonNode namespace : namespaces) {
            java.util.regex.Matcher m = JOINED.matcher(namespace.path("path").asText(""));
            if (!m.matches()) {
                continue;
            }
            int pid = Integer.parseInt(m.group(1));
            boolean live = projections.query(() -> containers.all().stream()
                    .anyMatch(other -> other.running() && other.pid() == pid));
            if (!live) {
                throw new BerthException(ErrorKind.CONFLICT, "start " + c.name() + ": it joins the "
                        + namespace.path("type").asText() + " namespace of the container whose process was pid " + pid
                        + " when it was created, and that process is gone; remove and create it again");
            }
        }
    }

    /** An isolation module saw something in a running container: an OOM kill becomes an event. */
    private void observed(Container c, String moduleId, Observation observation) {
        if (!Observation.OOM.equals(observation.type())) {
            LOG.log(Level.INFO, "isolation module " + moduleId + " observed " + observation + " in " + c.id());
            return;
        }
        // Noted at once, logged under the container's lock: an exit handled meanwhile logs it first.
        observedOom.merge(c.id(), new SeenOom(moduleId, observation),
                (a, b) -> a.observation().count() >= b.observation().count() ? a : b);
        Object lock = lock(c.id());
        if (Thread.holdsLock(lock)) {
            logObservedOom(c.id()); // the watcher's last look, on the thread handling the exit
            return;
        }
        vertx.executeBlocking(() -> {
            synchronized (lock) {
                logObservedOom(c.id());
            }
            return null;
        }, false).onFailure(e -> LOG.log(Level.WARNING, "log the OOM kill in " + c.id() + ": " + e.getMessage()));
    }

    /** An OOM kill a watcher reported and the engine has not logged yet. */
    private record SeenOom(String moduleId, Observation observation) {
    }

    /**
     * Logs the OOM kill count last reported for {@code id}, once: a watcher may report a total again
     * (after a daemon restart, say), and one reported while the container still runs is logged before its
     * exit. Called with the container's lock held.
     */
    private void logObservedOom(String id) {
        SeenOom seen = observedOom.remove(id);
        if (seen == null) {
            return;
        }
        try {
            if (current(id).running() && seen.observation().count() > projections.query(() -> containers.oomKills(id))) {
                calls.append(id, new ContainerOom(seen.moduleId(), seen.observation().count(),
                        seen.observation().detail()));
            }
        } catch (BerthException e) {
            LOG.log(Level.WARNING, "log the OOM kill in " + id + ": " + e.getMessage());
        }
    }

    /** An isolation module became available (keyed by its service reference). */
    void moduleAdded(Object key, IsolationTracker.Module module) {
        isolation.added(key, module);
    }

    /** An isolation module went away. */
    void moduleRemoved(Object key) {
        isolation.removed(key);
    }

    /** The isolation modules the engine sees, in order. */
    List<IsolationTracker.Module> modules() {
        return isolation.modules();
    }

    // ---- start, attach ---------------------------------------------------------------------------------

    private JsonObject start(JsonObject request) throws BerthException {
        Container c = resolve(request.getString("id", ""));
        starting.merge(c.id(), 1, Integer::sum);
        try {
            synchronized (lock(c.id())) {
                return startLocked(live(c.id()));
            }
        } finally {
            starting.computeIfPresent(c.id(), (id, n) -> n == 1 ? null : n - 1);
        }
    }

    private JsonObject startLocked(Container c) throws BerthException {
        if (c.running()) {
            return new JsonObject().put("id", c.id()).put("pid", c.pid());
        }
        boolean wasMounted = c.mounted();
        try {
            int created = prepare(c);
            earlyExits.remove(c.id());
            startRequested.put(c.id(), Instant.now());
            int reported = stages.start(c.runtime(), c.id());
            int pid = reported > 0 ? reported : created;
            createdInRuntime.remove(c.id());
            synchronized (waiters) {
                exits.remove(c.id());
            }
            calls.append(c.id(), new ContainerStarted(pid, c.runtime()));
            Container started = current(c.id());
            isolation.started(started);
            // A process that ends at once may have had its exit reported before container.started was
            // logged, and kept aside then as the exit of a container not running yet: look once more, after
            // this start lets go of the container's lock.
            vertx.executeBlocking(() -> current(started.id()).running() && exitAfterStart(started), false);
            return new JsonObject().put("id", c.id()).put("pid", pid);
        } catch (BerthException e) {
            discardRuntime(c);
            if (!wasMounted) {
                release(live(c.id()), "start failed: " + e.getMessage());
            }
            removeAfterFailedStart(c.id(), e);
            throw e;
        }
    }

    /**
     * As Docker's daemon does, a container created with {@code --rm} whose start failed is removed: it never
     * ran and nobody is left to remove it (a client that died, or one that met an error it did not expect).
     */
    private void removeAfterFailedStart(String id, BerthException cause) {
        try {
            Container now = current(id);
            if (now.autoRemove() && !now.running() && !now.status().equals("removed") && !restarting.contains(id)) {
                removeLocked(now, "--rm after a failed start: " + cause.getMessage());
            }
        } catch (BerthException e) {
            LOG.log(Level.WARNING, "remove " + id + " (--rm) after its start failed: " + e.getMessage());
        }
    }

    private JsonObject attach(JsonObject request) throws BerthException {
        Container c = resolve(request.getString("id", ""));
        synchronized (lock(c.id())) {
            c = live(c.id());
            if (!c.running()) {
                prepare(c);
            }
            String socket = link(c.id().substring(0, 12), stages.attachSocket(c.runtime(), c.id()));
            return new JsonObject().put("id", c.id()).put("socket", socket)
                    .put("tty", c.options().tty()).put("stdin", c.options().stdin());
        }
    }

    /**
     * Makes sure the runtime holds the container, created and not started: mounts and creates as needed.
     * Returns the pid of its init process, or 0 when the runtime creates it only at its start.
     */
    private int prepare(Container c) throws BerthException {
        Integer known = createdInRuntime.get(c.id());
        if (known != null) {
            return known;
        }
        if (!absentInRuntime.contains(c.id())) {
            RuntimeState state = stages.state(c.runtime(), c.id());
            if (state.status().equals("created")) {
                createdInRuntime.put(c.id(), state.pid());
                return state.pid();
            }
            if (!state.status().equals("absent")) {
                stages.delete(c.runtime(), c.id(), true);
            }
        }
        checkJoinedNamespaces(c);
        if (!c.mounted()) {
            List<String> layers = layersOf(c);
            MountedRootfs rootfs = stages.mount(c.id(), layers, c.autoRemove());
            calls.append(c.id(), new RootfsMounted(rootfs.snapshotter(), rootfs.rootfs(), layers.size()));
        }
        Path dir = containerDir(c.id());
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new BerthException(ErrorKind.INTERNAL, "start " + c.name() + ": its config.json is missing from "
                    + dir);
        }
        try {
            Files.deleteIfExists(dir.resolve("shim/exit.json"));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "start " + c.name() + ": clear the last exit: "
                    + e.getMessage(), e);
        }
        int pid = stages.create(c.runtime(), new CreateRequest(c.id(), dir.toString(), dir.resolve("shim").toString(),
                dir.resolve("container.log").toString(), c.options().tty(), c.options().stdin()));
        absentInRuntime.remove(c.id());
        createdInRuntime.put(c.id(), pid);
        return pid;
    }

    private List<String> layersOf(Container c) throws BerthException {
        ImageProjection.Image image = projections.query(() -> images.resolve(c.imageDigest())).orElseThrow(
                () -> new BerthException(ErrorKind.NOT_FOUND, "start " + c.name() + ": its image " + c.image()
                        + " (" + c.imageDigest() + ") was removed"));
        return store.layerTrees(image.chainIds());
    }

    private void discardRuntime(Container c) {
        awaitDiscard(c, startDiscard(c));
    }

    /** Asks the runtime to delete the container's state; the runtime plugin works on it while this returns. */
    private BusCalls.Reply startDiscard(Container c) {
        createdInRuntime.remove(c.id());
        return stages.sendDelete(c.runtime(), c.id(), true);
    }

    /** Waits for a delete {@link #startDiscard} sent; a failure is logged, not thrown. */
    private void awaitDiscard(Container c, BusCalls.Reply deleted) {
        try {
            deleted.await();
            absentInRuntime.add(c.id());
        } catch (BerthException e) {
            LOG.log(Level.WARNING, "discard runtime state of " + c.id() + ": " + e.getMessage());
        }
    }

    // ---- exits -----------------------------------------------------------------------------------------

    /**
     * A runtime says a container's process ended. The message may be late: the exit may have been
     * handled already and the container started again since. One that says when the process ended is
     * taken as it is, as {@link #handleExit} ignores an exit from before the current run's start; for
     * one that does not, the runtime is asked for the exit of the current run (none while it runs).
     */
    private void onExited(JsonObject message) {
        if (message.getString("execId") != null) {
            return; // exec exits reach their client through the attach socket
        }
        String id = message.getString("id", "");
        try {
            Container c = projections.query(() -> containers.get(id)).orElse(null);
            ExitStatus reported = reportedExit(message);
            if (c != null && c.running()) {
                if (reported != null) {
                    handleExit(c.id(), reported);
                } else {
                    checkExit(c);
                }
            } else if (c != null && reported != null && starting.containsKey(c.id())) {
                earlyExits.put(c.id(), reported);
            }
        } catch (BerthException | RuntimeException e) {
            LOG.log(Level.ERROR, "record the exit of container " + id + ": " + describe(e));
        }
    }

    /** The exit a runtime's message reports, or null when it does not say when the process ended. */
    private static ExitStatus reportedExit(JsonObject message) {
        try {
            Integer code = message.getInteger("exitCode");
            String finishedAt = message.getString("finishedAt");
            if (code == null || finishedAt == null) {
                return null;
            }
            Instant.parse(finishedAt);
            return new ExitStatus(code, message.getInteger("signal", 0), message.getBoolean("oomKilled", false),
                    finishedAt, message.getString("reason"));
        } catch (ClassCastException | java.time.format.DateTimeParseException e) {
            return null; // not what the contract says: ask the runtime instead
        }
    }

    /**
     * Logs the exit of a running container once, releases its runtime state and mount, completes its
     * waiters and removes it when it was created with {@code --rm}. Does nothing for a container that is
     * not running (the exit was handled already).
     */
    private void handleExit(String id, ExitStatus status) throws BerthException {
        exiting.add(id);
        try {
            handleExitLocked(id, status);
        } finally {
            exiting.remove(id);
        }
    }

    private void handleExitLocked(String id, ExitStatus status) throws BerthException {
        Container c;
        synchronized (lock(id)) {
            c = projections.query(() -> containers.get(id)).orElse(null);
            if (c == null || !c.running() || endedBefore(status, startRequested.get(id))) {
                return; // handled already, or an exit of an earlier run of a restarted container
            }
            isolation.exited(id); // a watcher's last look may log container.oom now, on this thread
            logObservedOom(id); // and one it reported just before, still on its way
            if (status.oomKilled() && !current(id).oomKilled()) {
                // The watcher missed it (the kill came just before the exit): the runtime's count at exit says so.
                calls.append(id, new ContainerOom("runtime " + c.runtime(), 1, "the OOM killer acted in the "
                        + "container's cgroup, as read by the runtime plugin when the container exited"));
            }
            // The mount stage's work (the host's overlay mount, and for --rm the read-write layer too, from now
            // on) and the runtime's delete (its state and cgroup: a runtime process that the container's monitor
            // usually started itself at the exit, after reading the cgroup's OOM count into the exit status) run
            // while the exit is logged. Both are done before anything else happens to the container.
            boolean remove = c.autoRemove() && !restarting.contains(id);
            BusCalls.Reply rootfsGone = remove ? stages.sendRemoveRootfs(id) : null;
            BusCalls.Reply runtimeGone = startDiscard(c);
            try {
                calls.append(id, new ContainerExited(status.exitCode(), status.signal(), status.oomKilled(),
                        status.finishedAt(), status.reason()));
            } catch (BerthException e) {
                awaitDiscard(c, runtimeGone);
                awaitQuietly(rootfsGone);
                throw e;
            }
            JsonObject answer = new JsonObject().put("id", id).put("exitCode", status.exitCode())
                    .put("signal", status.signal()).put("oomKilled", status.oomKilled())
                    .put("finishedAt", status.finishedAt()).put("reason", status.reason());
            if (!remove) {
                complete(id, answer);
            }
            if (!remove) {
                release(c, "container exited");
                awaitDiscard(c, runtimeGone);
                return;
            }
            // As docker run --rm: waiters learn the exit once the container is gone.
            try {
                removeAfterExit(c, runtimeGone, rootfsGone);
            } finally {
                complete(id, answer);
            }
        }
    }

    /**
     * Removes a {@code --rm} container that has just exited, with its lock held. One mount-stage call
     * ({@code rootfsGone}, sent as the exit was seen) unmounts the root filesystem and deletes its read-write
     * layer while the runtime deletes its state ({@code runtimeGone}), and the unmount is logged with the
     * removal. A failure of either falls back to the steps of a plain exit and a
     * later {@code rm}, which log and throw it as theirs do.
     */
    private void removeAfterExit(Container c, BusCalls.Reply runtimeGone, BusCalls.Reply rootfsGone)
            throws BerthException {
        String reason = "--rm after exit";
        try {
            rootfsGone.await();
        } catch (BerthException e) {
            LOG.log(Level.WARNING, "remove the root filesystem of " + c.id() + " after its exit: " + e.getMessage());
            release(c, "container exited");
            awaitDiscard(c, runtimeGone);
            removeLocked(current(c.id()), reason);
            return;
        }
        RootfsUnmounted unmountedEvent = unmounted(c, "container exited");
        awaitDiscard(c, runtimeGone);
        if (!absentInRuntime.contains(c.id())) {
            calls.append(c.id(), unmountedEvent);
            removeLocked(current(c.id()), reason); // asks the runtime again, and throws its reason
            return;
        }
        forgetRuntime(c.id());
        finishRemoval(current(c.id()), reason, unmountedEvent);
    }

    /** Waits for a call sent earlier whose failure is reported elsewhere; null is no call. */
    private static void awaitQuietly(BusCalls.Reply reply) {
        if (reply == null) {
            return;
        }
        try {
            reply.await();
        } catch (BerthException e) {
            LOG.log(Level.WARNING, e.getMessage());
        }
    }

    private void complete(String id, JsonObject answer) {
        List<Promise<JsonObject>> waiting;
        synchronized (waiters) {
            exits.put(id, answer);
            waiting = waiters.remove(id);
        }
        if (waiting != null) {
            waiting.forEach(p -> p.tryComplete(answer));
        }
    }

    /** Whether {@code status} says the process ended before {@code started} (so it was an earlier run). */
    private static boolean endedBefore(ExitStatus status, Instant started) {
        if (status.finishedAt() == null || started == null) {
            return false;
        }
        try {
            return Instant.parse(status.finishedAt()).isBefore(started);
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /** Unmounts the container's root filesystem and logs it; failures are logged, not thrown. */
    private void release(Container c, String reason) {
        try {
            stages.unmount(c.id());
            calls.append(c.id(), unmounted(c, reason));
        } catch (BerthException e) {
            LOG.log(Level.WARNING, "unmount the root filesystem of " + c.id() + ": " + e.getMessage());
        }
    }

    /** The event for container {@code c}'s root filesystem unmounted, for {@code reason}. */
    private static RootfsUnmounted unmounted(Container c, String reason) {
        return new RootfsUnmounted(c.snapshotter() == null ? "unknown" : c.snapshotter(), reason);
    }

    /** The check after a start: an exit reported while the start was under way, else the runtime's answer. */
    private boolean exitAfterStart(Container c) throws BerthException {
        ExitStatus early = earlyExits.remove(c.id());
        if (early != null && !endedBefore(early, startRequested.get(c.id()))) {
            handleExit(c.id(), early);
            return true;
        }
        return checkExit(c);
    }

    /** Asks the runtime whether a running container has ended, and handles the exit if it has. */
    private boolean checkExit(Container c) throws BerthException {
        ExitStatus status = stages.exitStatus(c.runtime(), c.id());
        if (status == null) {
            return false;
        }
        handleExit(c.id(), status);
        return true;
    }

    private void waitFor(Message<String> message, JsonObject request) {
        Promise<JsonObject> promise = Promise.promise();
        vertx.executeBlocking(() -> {
            Container c = resolveForWait(request.getString("id", ""));
            synchronized (waiters) {
                JsonObject seen = exits.get(c.id());
                Container now = projections.query(() -> containers.get(c.id())).orElse(c);
                boolean settled = now.status().equals("removed")
                        || now.status().equals("exited") && !(now.autoRemove() && exiting.contains(now.id()));
                if (seen != null) {
                    promise.complete(seen);
                } else if (settled) {
                    promise.complete(exitAnswer(now));
                } else {
                    waiters.computeIfAbsent(c.id(), k -> new ArrayList<>()).add(promise);
                }
            }
            return c;
        }, false).onComplete(found -> {
            if (found.failed()) {
                BusCalls.fail(message, "wait", found.cause());
                return;
            }
            Container c = found.result();
            promise.future().onComplete(done -> message.reply(done.result().encode()));
            if (c.running()) {
                // The exit may be on disk before the runtime's watcher tells us: look once now.
                vertx.executeBlocking(() -> checkExit(c), false);
            }
        });
    }

    /** Like {@link #resolve}, but a full id also finds a removed container, so a late wait learns its exit. */
    private Container resolveForWait(String wanted) throws BerthException {
        try {
            return resolve(wanted);
        } catch (BerthException e) {
            Container removed = projections.query(() -> containers.get(wanted)).orElse(null);
            if (e.kind() == ErrorKind.NOT_FOUND && removed != null) {
                return removed;
            }
            throw e;
        }
    }

    private static JsonObject exitAnswer(Container c) {
        if (c.exitCode() == null) {
            return new JsonObject().put("id", c.id()).put("exitCode", -1).put("signal", 0).put("oomKilled", false)
                    .putNull("finishedAt").put("reason", "the container was removed before it ran");
        }
        return new JsonObject().put("id", c.id()).put("exitCode", c.exitCode()).put("signal", c.signal())
                .put("oomKilled", c.oomKilled())
                .put("finishedAt", c.finishedTimeNanos() == 0 ? null : instant(c.finishedTimeNanos()))
                .put("reason", c.exitReason());
    }

    // ---- stop, kill, restart, remove -------------------------------------------------------------------

    private JsonObject stop(JsonObject request) throws BerthException {
        Container c = resolve(request.getString("id", ""));
        int timeout = Math.max(0, request.getInteger("timeout", 10));
        return stopContainer(c, timeout, "berth stop");
    }

    private JsonObject stopContainer(Container c, int timeoutSeconds, String reason) throws BerthException {
        awaitStartUnderWay(c);
        if (!current(c.id()).running()) {
            awaitExitHandled(c.id());   // see below
            return new JsonObject().put("id", c.id()).put("exitCode", current(c.id()).exitCode());
        }
        signal(c, SIGTERM, reason);
        if (!awaitExit(c, timeoutSeconds * 1000L)) {
            signal(c, SIGKILL, reason + " (after " + timeoutSeconds + " s)");
            if (!awaitExit(c, 10_000)) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "stop " + c.name() + ": still running 10 s after "
                        + "SIGKILL");
            }
        }
        awaitExitHandled(c.id());
        return new JsonObject().put("id", c.id()).put("exitCode", current(c.id()).exitCode());
    }

    /**
     * Waits (up to 10 s) while an exit of the container is being handled: logged already, but its mount still
     * being released and, for --rm, the container removed. A stop answers after that, so what the client does
     * next (inspect, rm, run --name again) sees the container settled. Not the container's lock: a start
     * under way must not make a stop wait for it and then answer for a container running again.
     */
    private void awaitExitHandled(String id) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (exiting.contains(id) && System.nanoTime() < deadline) {
            sleep(5);
        }
    }

    /** Sends {@code signal}; false when the container ended meanwhile (its exit is then handled). */
    private boolean signal(Container c, int signal, String reason) throws BerthException {
        try {
            stages.kill(c.runtime(), c.id(), signal);
        } catch (BerthException e) {
            if (!current(c.id()).running()) {
                return false;
            }
            if (orphaned(c)) {
                return signalOrphan(c, signal, reason);
            }
            if (exitedNow(c) || exiting.contains(c.id())) {
                return false; // it ended: nothing to signal
            }
            throw e;
        }
        calls.append(c.id(), new ContainerKilled(signal, reason));
        return true;
    }

    /**
     * True when no runtime plugin of the container's runtime is present (removed with {@code berth plugin rm
     * --force} or stopped): the engine then stops the container itself, by its process id.
     */
    private boolean orphaned(Container c) {
        try {
            return stages.runtimes().stream().noneMatch(r -> r.name().equals(c.runtime()));
        } catch (BerthException e) {
            return false;
        }
    }

    /** Signals an orphaned container's process directly; false when it has ended already (exit handled). */
    private boolean signalOrphan(Container c, int signal, String reason) throws BerthException {
        Optional<ProcessHandle> process = c.pid() > 0 ? ProcessHandle.of(c.pid()) : Optional.empty();
        if (process.isEmpty() || !process.get().isAlive()) {
            handleOrphanExit(c, 0);
            return false;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Integer.toString(c.pid()))
                    .redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new BerthException(ErrorKind.INTERNAL, "signal " + c.name() + " (pid " + c.pid() + "): "
                        + output.strip());
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "signal " + c.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.UNAVAILABLE, "signal " + c.name() + ": interrupted", e);
        }
        orphanSignals.put(c.id(), signal);
        calls.append(c.id(), new ContainerKilled(signal, reason + " (runtime plugin " + c.runtime()
                + " is gone: the engine signalled pid " + c.pid() + " itself)"));
        return true;
    }

    /** Logs the end of an orphaned container, whose runtime plugin is not there to report it. */
    private void handleOrphanExit(Container c, int fallbackSignal) throws BerthException {
        int signal = orphanSignals.getOrDefault(c.id(), fallbackSignal);
        orphanSignals.remove(c.id());
        handleExit(c.id(), new ExitStatus(signal > 0 ? 128 + signal : -1, signal, false, Instant.now().toString(),
                "the runtime plugin " + c.runtime() + " was gone, so the engine saw the process end itself"
                        + (signal > 0 ? " after signal " + signal + "; the exit code is inferred from it"
                        : "; its exit code is unknown")));
    }

    /** Polls the runtime for the container's exit for up to {@code millis}; true once it is handled. */
    private boolean awaitExit(Container c, long millis) throws BerthException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        if (orphanSignals.containsKey(c.id())) {
            do {
                if (!current(c.id()).running()) {
                    return true;
                }
                if (ProcessHandle.of(c.pid()).map(p -> !p.isAlive()).orElse(true)) {
                    handleOrphanExit(c, 0);
                    return true;
                }
                sleep(50);
            } while (System.nanoTime() < deadline);
            return false;
        }
        do {
            // The monitor's exit file is the answer (the runtime plugin reads it; no runtime process is run),
            // and its watch usually has the exit handled before this looks again.
            if (!current(c.id()).running() || exitedNow(c)) {
                return true;
            }
            sleep(15);
        } while (System.nanoTime() < deadline);
        return !current(c.id()).running() || exitedNow(c);
    }

    /**
     * {@link #checkExit}, for a container this thread saw running a moment ago. The runtime's own report of
     * the exit may be handled meanwhile on another thread, whose delete lets the runtime forget the container
     * before {@code container.exited} is logged: the question then fails, and the answer is to look again.
     */
    private boolean exitedNow(Container c) throws BerthException {
        try {
            return checkExit(c);
        } catch (BerthException e) {
            if (!current(c.id()).running()) {
                return true;
            }
            if (exiting.contains(c.id())) {
                return false; // being handled: the caller sees it end
            }
            throw e;
        }
    }

    private JsonObject kill(JsonObject request) throws BerthException {
        Container c = resolve(request.getString("id", ""));
        int signal = Signals.parse(request.getString("signal", "KILL"));
        if (!current(c.id()).running()) {
            throw new BerthException(ErrorKind.CONFLICT, "kill: container " + c.name() + " is not running");
        }
        if (!signal(c, signal, "berth kill")) {
            throw new BerthException(ErrorKind.CONFLICT, "kill: container " + c.name() + " is not running");
        }
        return new JsonObject().put("id", c.id());
    }

    private JsonObject restart(JsonObject request) throws BerthException {
        Container c = resolve(request.getString("id", ""));
        restarting.add(c.id());
        try {
            stopContainer(c, Math.max(0, request.getInteger("timeout", 10)), "berth restart");
            return start(new JsonObject().put("id", c.id()));
        } finally {
            restarting.remove(c.id());
        }
    }

    /**
     * Lets a start of {@code c} that came first finish: a stop or {@code rm -f} then ends what it started,
     * instead of answering "not running" (or refusing, "started again meanwhile") while the start goes on
     * to leave the container running after it.
     */
    private void awaitStartUnderWay(Container c) {
        if (starting.containsKey(c.id())) {
            synchronized (lock(c.id())) {
                // nothing: having the lock means that start let go of it
            }
        }
    }

    private JsonObject remove(JsonObject request) throws BerthException {
        Container c = resolve(request.getString("id", ""));
        boolean force = request.getBoolean("force", false);
        if (force) {
            awaitStartUnderWay(c);
        }
        if (current(c.id()).running()) {
            if (!force) {
                throw new BerthException(ErrorKind.CONFLICT, "rm: container " + c.name() + " is running: stop it "
                        + "first or use rm -f");
            }
            signal(c, SIGKILL, "berth rm -f");
            if (!awaitExit(c, 10_000)) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "rm -f " + c.name() + ": still running 10 s after "
                        + "SIGKILL");
            }
        }
        synchronized (lock(c.id())) {
            Container now = current(c.id());
            if (now.running()) {
                throw new BerthException(ErrorKind.CONFLICT, "rm: container " + c.name() + " was started again "
                        + "meanwhile; try again");
            }
            if (!now.status().equals("removed")) {
                removeLocked(now, "berth rm");
            }
        }
        return new JsonObject().put("id", c.id());
    }

    private void removeLocked(Container c, String reason) throws BerthException {
        if (!absentInRuntime.contains(c.id())) {
            try {
                stages.delete(c.runtime(), c.id(), true);
            } catch (BerthException e) {
                if (!orphaned(c)) {
                    throw e;
                }
                LOG.log(Level.WARNING, "remove " + c.id() + ": its runtime plugin " + c.runtime() + " is gone; its "
                        + "state in that runtime stays until the plugin returns");
            }
        }
        forgetRuntime(c.id());
        stages.removeRootfs(c.id());
        finishRemoval(c, reason);
    }

    /**
     * The end of a removal, once the runtime and the mount stage hold nothing of container {@code c}: deletes
     * its folder and attach links, logs {@code first} (if any) and {@code container.removed} in one append,
     * frees what its isolation modules allocated and answers its waiters.
     */
    private void finishRemoval(Container c, String reason, Record... first) throws BerthException {
        discardFolder(containerDir(c.id()));
        unlinkAll(c.id().substring(0, 12));
        Record[] events = Arrays.copyOf(first, first.length + 1);
        events[first.length] = new ContainerRemoved(c.name(), reason);
        calls.appendAll(c.id(), events);
        isolation.released(c.id(), c.modules());
        synchronized (waiters) {
            if (!exits.containsKey(c.id())) {
                complete(c.id(), exitAnswer(c));
            }
        }
    }

    /** Drops what the engine remembers of a container's life in its runtime, once it is gone from there. */
    private void forgetRuntime(String id) {
        absentInRuntime.remove(id);
        createdInRuntime.remove(id);
        startRequested.remove(id);
    }

    // ---- exec, queries ---------------------------------------------------------------------------------

    private JsonObject exec(JsonObject request) throws BerthException, IOException {
        Container c = resolve(request.getString("id", ""));
        if (!current(c.id()).running()) {
            throw new BerthException(ErrorKind.CONFLICT, "exec: container " + c.name() + " is not running");
        }
        List<String> args = strings(request.getJsonArray("args"));
        if (args.isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, "exec: no command given");
        }
        List<String> extra = strings(request.getJsonArray("env"));
        for (String entry : extra) {
            if (entry.indexOf('=') <= 0) {
                throw new BerthException(ErrorKind.INVALID, "exec: invalid environment variable \"" + entry
                        + "\": expected KEY=VALUE");
            }
        }
        JsonNode process = json.readTree(containerDir(c.id()).resolve("config.json").toFile()).path("process");
        Map<String, String> env = new java.util.LinkedHashMap<>();
        process.path("env").forEach(e -> put(env, e.asText()));
        extra.forEach(e -> put(env, e));
        List<String> merged = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        String user = request.getString("user");
        if (user != null && !user.isBlank() && !user.matches("\\d+(:\\d+)?")) {
            user = Users.resolve(Path.of(c.rootfs()), user);
        }
        String workingDir = request.getString("workingDir");
        String execId = newId().substring(0, 16);
        Path state = containerDir(c.id()).resolve("exec").resolve(execId);
        Files.createDirectories(state);
        boolean tty = request.getBoolean("tty", false);
        boolean detach = request.getBoolean("detach", false);
        String socket;
        try {
            socket = stages.exec(c.runtime(), new ExecRequest(c.id(), execId, args, merged,
                    workingDir == null || workingDir.isBlank() ? null : workingDir,
                    user == null || user.isBlank() ? null : user, tty, request.getBoolean("stdin", false),
                    state.toString(), !detach));
        } catch (BerthException e) {
            deleteTree(state);
            throw e;
        }
        calls.append(c.id(), new ContainerExecd(execId, args, user, tty));
        return new JsonObject().put("id", c.id()).put("execId", execId)
                .put("socket", link(c.id().substring(0, 12) + "-" + execId, socket));
    }

    private static void put(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        if (eq > 0) {
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
    }

    private JsonObject runtimes() throws BerthException {
        JsonArray all = new JsonArray();
        for (RuntimeInfo info : stages.runtimes()) {
            all.add(ContainerJson.toJson(info));
        }
        return new JsonObject().put("default", defaultRuntime()).put("runtimes", all);
    }

    private JsonObject setDefaultRuntime(JsonObject request) throws BerthException {
        String name = request.getString("name", "");
        RuntimeInfo info = stages.runtimes().stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new BerthException(ErrorKind.NOT_FOUND, "runtime default: no runtime plugin named \""
                        + name + "\" is active (berth runtime ls)"));
        if (!info.usable()) {
            throw new BerthException(ErrorKind.CONFLICT, "runtime default: " + name + " cannot run containers here: "
                    + info.reason());
        }
        String previous = projections.query(containers::defaultRuntime);
        if (!name.equals(defaultRuntime())) {
            calls.append(name, new RuntimeDefaultChanged(name, previous));
        }
        return new JsonObject().put("default", name).put("runtimes", runtimes().getJsonArray("runtimes"));
    }

    /** The runtime new containers get: the logged choice, else the configured one, else runc. */
    String defaultRuntime() {
        String chosen = projections.query(containers::defaultRuntime);
        return chosen != null ? chosen : configuredDefault;
    }

    /** For {@code berth info}: the snapshotter and every runtime plugin, or what could not be asked. */
    JsonObject info() {
        JsonObject answer = new JsonObject().put("defaultRuntime", defaultRuntime());
        try {
            answer.put("snapshotter", stages.snapshotter());
        } catch (BerthException e) {
            answer.put("snapshotter", null).put("snapshotterError", e.getMessage());
        }
        try {
            answer.put("runtimePlugins", runtimes().getJsonArray("runtimes"));
        } catch (BerthException e) {
            answer.put("runtimePlugins", new JsonArray()).put("runtimeError", e.getMessage());
        }
        long running = projections.query(() -> containers.all().stream().filter(Container::running).count());
        long total = projections.query(() -> containers.all().stream().filter(c -> !c.status().equals("removed"))
                .count());
        return answer.put("containers", new JsonObject().put("total", total).put("running", running));
    }

    // ---- re-adoption -----------------------------------------------------------------------------------

    private void reconcileAll() {
        try {
            for (RuntimeInfo info : stages.runtimes()) {
                reconcile(info.name());
            }
        } catch (BerthException e) {
            LOG.log(Level.WARNING, "reconcile containers: " + e.getMessage());
        } finally {
            startReconciled = true; // a runtime not bound by now is reconciled when it is, as before
        }
    }

    /**
     * Re-adopts the containers {@code runtime} holds: running ones stay, ones that ended while the engine
     * was down get their exit logged (the monitor's exit file when there is one), ones the log has as created
     * but the runtime started get that start logged, and mounts nothing needs are released. Idempotent.
     */
    private void reconcile(String runtime) {
        for (Container c : projections.query(containers::all)) {
            if (c.runtime().equals(runtime) && (c.status().equals("created") || c.status().equals("exited"))) {
                try {
                    adoptUnloggedStart(runtime, c.id());
                } catch (BerthException | RuntimeException e) {
                    LOG.log(Level.WARNING, "re-adopt created container " + c.id() + " from " + runtime + ": "
                            + describe(e));
                }
            }
        }
        for (Container c : projections.query(containers::all)) {
            if (!c.runtime().equals(runtime) || !c.running()) {
                continue;
            }
            try {
                RuntimeState state = stages.state(runtime, c.id());
                if (state.status().equals("running") || state.status().equals("paused")) {
                    continue;
                }
                ExitStatus status = stages.exitStatus(runtime, c.id());
                if (status != null) {
                    // The monitor's record when it saw the end; otherwise nobody did.
                    handleExit(c.id(), status.exitCode() >= 0 ? status : new ExitStatus(-1, status.signal(),
                            status.oomKilled(), status.finishedAt(), "exit code unknown, engine was down"
                                    + (status.reason() == null ? "" : " (" + status.reason() + ")")));
                }
                // else: the monitor still runs and will report the exit itself
            } catch (BerthException | RuntimeException e) {
                LOG.log(Level.WARNING, "re-adopt container " + c.id() + " from " + runtime + ": " + describe(e));
            }
        }
        for (Container c : projections.query(containers::all)) {
            if (c.runtime().equals(runtime) && c.autoRemove() && c.status().equals("exited")
                    && !exiting.contains(c.id()) && !restarting.contains(c.id())) {
                try {
                    synchronized (lock(c.id())) {
                        Container now = current(c.id());
                        if (now.status().equals("exited")) {
                            removeLocked(now, "--rm after exit (finished at daemon start)");
                        }
                    }
                } catch (BerthException | RuntimeException e) {
                    LOG.log(Level.WARNING, "finish removing " + c.id() + ": " + describe(e));
                }
            }
        }
        reconcileMounts();
        reconciled.add(runtime);
    }

    /**
     * A start the engine did not live to log: the daemon was killed after the runtime started the container
     * and before {@code container.started} was appended, so the log has it created (or exited, from its last
     * run) while the runtime runs it, or ran it: a created one may have ended since. The start took effect,
     * so it is logged now, with the init pid the runtime or the monitor knows; an ended one is then handled
     * as any exit missed while the engine was down. The runtime's state of an exited container whose exit was
     * logged but not yet cleaned up when the engine stopped is deleted. A container the runtime holds only
     * as created is left for its next start to use.
     */
    private void adoptUnloggedStart(String runtime, String id) throws BerthException {
        synchronized (lock(id)) {
            Container c = current(id);
            boolean exited = c.status().equals("exited");
            if (!(exited || c.status().equals("created")) || creating.contains(id) || exiting.contains(id)
                    || restarting.contains(id)) {
                return;
            }
            RuntimeState state = stages.state(runtime, id);
            String status = state.status();
            if (exited && status.equals("stopped")) {
                // The exit was logged, but the engine stopped before the runtime's state (and cgroup) was deleted.
                discardRuntime(c);
                return;
            }
            if (!status.equals("running") && !status.equals("paused") && !(status.equals("stopped") && !exited)) {
                return;
            }
            int pid = state.pid() > 0 ? state.pid() : initPid(id);
            if (pid <= 0) {
                LOG.log(Level.WARNING, "container " + id + " is " + status + " in " + runtime + " but created in the "
                        + "log, and its init pid is unknown: its runtime state is discarded");
                discardRuntime(c);
                return;
            }
            LOG.log(Level.WARNING, "container " + id + " is " + status + " in " + runtime + " but created in the log "
                    + "(the engine stopped before logging its start): logging the start now");
            absentInRuntime.remove(id);
            createdInRuntime.remove(id);
            calls.append(id, new ContainerStarted(pid, runtime));
            if (!status.equals("stopped")) {
                isolation.started(current(id));
            }
        }
    }

    /** The init pid the container's monitor recorded ({@code shim/init.pid}), or 0 when there is none. */
    private int initPid(String id) {
        try {
            return Integer.parseInt(Files.readString(containerDir(id).resolve("shim/init.pid")).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Unmounts root filesystems of containers that do not run, and removes those of unknown containers. */
    private void reconcileMounts() {
        try {
            for (MountedRootfs rootfs : stages.mounts()) {
                Container c = projections.query(() -> containers.get(rootfs.containerId())).orElse(null);
                if (creating.contains(rootfs.containerId())) {
                    continue;
                }
                if (c == null || c.status().equals("removed")) {
                    synchronized (lock(rootfs.containerId())) {
                        stages.removeRootfs(rootfs.containerId());
                        deleteTree(containerDir(rootfs.containerId()));
                        if (c == null && projections.query(containers::pendingIds).contains(rootfs.containerId())) {
                            calls.append(rootfs.containerId(), new RootfsUnmounted(rootfs.snapshotter(),
                                    "reconciled at daemon start: its creation was interrupted"));
                        }
                    }
                } else if (c != null && c.status().equals("exited") && rootfs.mounted()) {
                    synchronized (lock(c.id())) {
                        Container now = current(c.id());
                        if (now.status().equals("exited") && !restarting.contains(now.id())) {
                            release(now, "reconciled: the container is not running");
                        }
                    }
                }
            }
        } catch (BerthException | RuntimeException e) {
            LOG.log(Level.WARNING, "reconcile mounts: " + describe(e));
        }
        sweepFolders();
    }

    /** Deletes container folders the log knows nothing of (a creation cut short before its mount). */
    private void sweepFolders() {
        Path dir = root.resolve("containers");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var folders = Files.newDirectoryStream(dir)) {
            for (Path folder : folders) {
                String id = folder.getFileName().toString();
                if (id.endsWith(DISCARDED)) {
                    deleteDiscarded(folder); // its deletion was cut short by a daemon stop
                    continue;
                }
                if (!ID.matcher(id).matches() || creating.contains(id)) {
                    continue;
                }
                synchronized (lock(id)) {
                    Container c = projections.query(() -> containers.get(id)).orElse(null);
                    if ((c == null || c.status().equals("removed")) && !creating.contains(id)) {
                        deleteTree(folder);
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "sweep container folders: " + e.getMessage());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** The container an id, a unique id prefix or a name names (removed ones excluded). */
    Container resolve(String wanted) throws BerthException {
        return adoptedFirst(queries.resolve(wanted));
    }

    /**
     * Until its runtime was reconciled after a daemon start, a container the log has as created (or exited)
     * may in fact run: a start the engine did not live to log. It is adopted before anything is done to it,
     * so a stop right after the start does not answer "not running" for a container that runs.
     */
    private Container adoptedFirst(Container c) throws BerthException {
        if (startReconciled || reconciled.contains(c.runtime())
                || !(c.status().equals("created") || c.status().equals("exited"))
                || absentInRuntime.contains(c.id()) || createdInRuntime.containsKey(c.id())) {
            return c; // settled, or this engine knows what the runtime holds of it (it put it there)
        }
        try {
            adoptUnloggedStart(c.runtime(), c.id());
        } catch (BerthException | RuntimeException e) {
            LOG.log(Level.WARNING, "re-adopt container " + c.id() + " from " + c.runtime() + " before using it: "
                    + describe(e));
        }
        return current(c.id());
    }

    private Container current(String id) throws BerthException {
        return queries.current(id);
    }

    /** The container as the log has it now, refusing a removed one. */
    private Container live(String id) throws BerthException {
        Container c = current(id);
        if (c.status().equals("removed")) {
            throw new BerthException(ErrorKind.NOT_FOUND, "no such container: " + id + " (removed)");
        }
        return c;
    }

    private ImageProjection.Image findImage(String wanted) throws BerthException {
        String key;
        try {
            key = ImageService.key(wanted);
        } catch (IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INVALID, "create: invalid image reference \"" + wanted + "\": "
                    + e.getMessage(), e);
        }
        return projections.query(() -> images.resolve(key)).orElseThrow(() -> new BerthException(
                ErrorKind.NOT_FOUND, "no such image: " + wanted + " (pull it first: berth pull " + wanted + ")"));
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    private String newId() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private Path containerDir(String id) {
        return ContainerQueries.containerDir(root, id);
    }

    /**
     * A short path for a Unix socket: {@code <run>/attach/<name>} linking to {@code socket}, as a client
     * cannot connect to a socket path longer than 107 bytes, and state dirs under a deep root are longer.
     */
    private String link(String name, String socket) throws BerthException {
        Path link = attachLinks.resolve(name);
        try {
            Files.createDirectories(attachLinks);
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of(socket));
            return link.toString();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "link the attach socket " + socket + ": " + e.getMessage(), e);
        }
    }

    private void unlinkAll(String prefix) {
        try (var links = Files.newDirectoryStream(attachLinks, prefix + "*")) {
            for (Path link : links) {
                Files.deleteIfExists(link);
            }
        } catch (IOException e) {
            // no links folder yet, or a link already gone
        }
    }

    private static String instant(long nanos) {
        return ContainerQueries.instant(nanos);
    }

    private static List<String> strings(JsonArray array) {
        List<String> values = new ArrayList<>();
        if (array != null) {
            array.forEach(v -> values.add(String.valueOf(v)));
        }
        return values;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes a tree without following symbolic links; logs what it could not delete. */
    /**
     * Renames the folder of a removed container to {@code <id>}{@value #DISCARDED} and deletes it on a worker
     * thread: a removal is done once nothing can use the folder, not once its files are gone. What a stopped
     * daemon left of such a folder is deleted by the next {@link #sweepFolders}.
     */
    private void discardFolder(Path dir) {
        Path discarded = dir.resolveSibling(dir.getFileName() + DISCARDED);
        try {
            Files.move(dir, discarded, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        } catch (IOException e) {
            deleteTree(dir);
            return;
        }
        vertx.executeBlocking(() -> {
            deleteDiscarded(discarded);
            return null;
        }, false);
    }

    /** Deletes a discarded folder, which a sweep and the worker may both be deleting. */
    private static void deleteDiscarded(Path dir) {
        try {
            StoreLayout.deleteTree(dir);
        } catch (IOException e) {
            if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                LOG.log(Level.WARNING, "delete " + dir + ": " + e.getMessage());
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            StoreLayout.deleteTree(dir);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "delete " + dir + ": " + e.getMessage());
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
