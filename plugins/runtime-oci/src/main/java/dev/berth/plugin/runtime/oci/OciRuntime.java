package dev.berth.plugin.runtime.oci;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.ContainerRuntime;
import dev.berth.api.container.CreateRequest;
import dev.berth.api.container.ExecRequest;
import dev.berth.api.container.ExitStatus;
import dev.berth.api.container.RuntimeInfo;
import dev.berth.api.container.RuntimeState;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A {@link ContainerRuntime} driving one OCI runtime's command line (runc, crun) with its own
 * {@code --root} at {@code <stateRoot>/runtimes/<name>}; every container and exec runs under a
 * {@code berth-shim} monitor that holds its stdio, writes its log and {@code exit.json}, serves its attach
 * socket and outlives the engine. Which containers it created (and their state dirs) is kept on disk, so
 * a new instance on the same state root takes them over. A background poller hands each exit once to the
 * exit sink as the JSON of {@link dev.berth.api.bus.BusAddresses#RUNTIME_EXITED}: woken by {@link ExitWatch}
 * as soon as a monitor writes {@code exit.json}, and every 100 ms in any case.
 * Thread-safe; {@link #close()} stops the poller and leaves containers running.
 */
public class OciRuntime implements ContainerRuntime, AutoCloseable {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final String OOM_FILE = "oom-killed";
    /** How long {@link #delete} waits for a monitor that deletes its container itself. */
    private static final Duration MONITOR_DELETE_LIMIT = Duration.ofSeconds(10);

    private final RuntimeSettings settings;
    private final Path runtimeRoot;
    private final CgroupHost cgroups;
    private final RuntimeProbe probe;
    private final ContainerIndex index;
    private final ExitNotifier notifier;
    private final ScheduledExecutorService poller;
    private final ExitWatch exitWatch;
    private final Path shim;
    private final String shimProblem;
    private volatile RuntimeInfo info;

    /**
     * Sets up the runtime described by {@code settings}: creates its root, installs the monitor binary,
     * probes the binary and the host, reads the containers a previous instance created, and starts the
     * exit poller, which passes each exit's JSON to {@code exitSink} (e.g. a Vert.x event bus publish).
     */
    public OciRuntime(RuntimeSettings settings, Consumer<String> exitSink) throws IOException {
        this(settings, exitSink, CgroupHost.system());
    }

    OciRuntime(RuntimeSettings settings, Consumer<String> exitSink, CgroupHost cgroups) throws IOException {
        this.settings = settings;
        this.runtimeRoot = settings.runtimeRoot().toAbsolutePath();
        this.cgroups = cgroups;
        this.probe = new RuntimeProbe(settings, cgroups);
        Files.createDirectories(runtimeRoot);
        this.index = new ContainerIndex(runtimeRoot.getParent(), settings.name());
        this.notifier = new ExitNotifier(settings.name(), exitSink);
        Path extracted = null;
        String problem = null;
        try {
            extracted = ShimBinary.extract(settings.stateRoot().toAbsolutePath());
        } catch (IOException e) {
            problem = "the berth-shim monitor could not be installed: " + e.getMessage();
        }
        this.shim = extracted;
        this.shimProblem = problem;
        this.info = withShim(probe.probe());
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-" + settings.name() + "-exits");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::pollExits, 100, 100, TimeUnit.MILLISECONDS);
        this.exitWatch = ExitWatch.start(settings.name(), this::wakePoller);
        if (exitWatch != null) {
            index.snapshot().values().forEach(entry -> exitWatch.watch(entry.stateDir()));
        }
    }

    /** An exit file appeared: a round of the poller now, on its own thread. */
    private void wakePoller() {
        try {
            poller.execute(this::pollExits);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: nothing to publish any more
        }
    }

    private void watchExits(Path stateDir) {
        if (exitWatch != null) {
            exitWatch.watch(stateDir);
        }
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public RuntimeInfo info() {
        return info;
    }

    /** The monitor binary in use (extracted under the state root), or null when it could not be installed. */
    public Path shimBinary() {
        return shim;
    }

    @Override
    public int create(CreateRequest request) throws BerthException {
        String id = request.id();
        String action = "create container " + id + " with " + name();
        checkId(id, action);
        RuntimeInfo now = recheck();
        if (!now.usable()) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + now.reason());
        }
        Path bundle = Path.of(request.bundleDir()).toAbsolutePath();
        Path stateDir = Path.of(request.stateDir()).toAbsolutePath();
        Path log = Path.of(request.logPath()).toAbsolutePath();
        if (!Files.isRegularFile(bundle.resolve("config.json"))) {
            throw new BerthException(ErrorKind.INVALID, action + ": no config.json in bundle " + bundle);
        }
        synchronized (this) {
            // An entry the runtime does not hold, whose monitor no longer waits for START, is stale: replaced.
            if (Files.exists(runtimeRoot.resolve(id))
                    || index.get(id).filter(e -> WaitingStart.waiting(e.stateDir())).isPresent()) {
                throw new BerthException(ErrorKind.CONFLICT, action + ": " + name() + " already has a container " + id);
            }
            try {
                Files.createDirectories(stateDir);
                Files.createDirectories(log.getParent());
                clearLastRun(stateDir);
                watchExits(stateDir);
                index.put(id, new ContainerIndex.Entry(stateDir, bundle));
                WaitingStart.mark(stateDir, log, request.tty(), request.stdin());
            } catch (IOException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
            }
        }
        try {
            return ShimLauncher.launch(waitingMonitor(now, id, bundle, stateDir, log, request.tty(), request.stdin()));
        } catch (IOException e) {
            // The waiting monitor runs no runtime command before its START: the runtime holds nothing to delete.
            forget(id);
            deleteMarker(stateDir);
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
        }
    }

    /**
     * The command line of a monitor that waits for START with its attach socket open; {@link #startProcess}
     * then has it run the runtime's create and start as one {@code run --detach}, a runtime process less than
     * create then start.
     */
    private List<String> waitingMonitor(RuntimeInfo runtime, String id, Path bundle, Path stateDir, Path log,
            boolean tty, boolean stdin) {
        List<String> cmd = new ArrayList<>(List.of(shim.toString(), "create", "--runtime", runtime.path(),
                "--runtime-root", runtimeRoot.toString(), "--id", id, "--bundle", bundle.toString(),
                "--state-dir", stateDir.toString(), "--log", log.toString(), "--wait-attach",
                Shims.DELETE_AT_EXIT));
        cgroups.oomCounterFile(cgroupsPath(id, bundle)).ifPresent(f -> cmd.addAll(List.of("--oom-file", f.toString())));
        if (tty) {
            cmd.add("--tty");
        }
        if (stdin) {
            cmd.add("--stdin");
        }
        return cmd;
    }

    /**
     * The attach socket; a container whose monitor stopped waiting for its start (after 300 s) gets a new one
     * first, so the socket is served. Should that fail, the start that follows says why.
     */
    @Override
    public String attachSocket(String id) {
        Optional<ContainerIndex.Entry> entry = index.get(id);
        if (entry.isPresent() && !known(id)) {
            try {
                reviveWaitingMonitor(id, entry.get(), "attach to container " + id + " with " + name());
            } catch (BerthException e) {
                // the start reports it
            }
        }
        return entry.map(e -> e.stateDir().resolve("attach.sock").toString()).orElse(null);
    }

    /**
     * Starts a new monitor, as the first one was started, for a container whose monitor stopped waiting for
     * its START (after 300 s: an attach that no start followed). Nothing when there is no marker, or its
     * monitor still runs.
     */
    private void reviveWaitingMonitor(String id, ContainerIndex.Entry entry, String action) throws BerthException {
        Path stateDir = entry.stateDir();
        synchronized (this) {
            if (!Files.exists(stateDir.resolve(WaitingStart.MARKER)) || Shims.alive(stateDir)) {
                return;
            }
            RuntimeInfo now = recheck();
            if (!now.usable()) {
                throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + now.reason());
            }
            try {
                WaitingStart.Mark mark = WaitingStart.readMark(stateDir);
                ShimLauncher.launch(waitingMonitor(now, id, entry.bundle(), stateDir, mark.log(), mark.tty(),
                        mark.stdin()));
            } catch (IOException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, action + ": start its monitor again: "
                        + e.getMessage(), e);
            }
        }
    }

    @Override
    public void start(String id) throws BerthException {
        startProcess(id);
    }

    /**
     * Starts the container: a monitor waiting for START runs the runtime's {@code run --detach} and answers
     * the init pid; a container the runtime holds as created (made by an earlier version) gets the
     * runtime's {@code start}, and 0: its create's pid stands.
     */
    @Override
    public int startProcess(String id) throws BerthException {
        String action = "start container " + id + " with " + name();
        Optional<ContainerIndex.Entry> entry = index.get(id);
        if (entry.isPresent() && Files.exists(entry.get().stateDir().resolve(WaitingStart.MARKER))
                && !known(id)) {
            Path stateDir = entry.get().stateDir();
            try {
                reviveWaitingMonitor(id, entry.get(), action);
                return WaitingStart.start(stateDir, ShimLauncher.TIMEOUT);
            } catch (IOException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
            } finally {
                deleteMarker(stateDir);
            }
        }
        Commands.Result r = runtime(action, "start", id);
        if (r.exitCode() != 0) {
            if (!known(id)) {
                throw new BerthException(ErrorKind.NOT_FOUND, action + ": " + name() + " has no such container");
            }
            throw new BerthException(ErrorKind.CONFLICT, action + ": " + r.message());
        }
        return 0;
    }

    /** A container whose monitor waits for START is {@code created}, with pid 0, though the runtime has none. */
    @Override
    public RuntimeState state(String id) throws BerthException {
        String action = "read the state of container " + id + " from " + name();
        if (!ID.matcher(id).matches()) {
            return RuntimeState.absent(id);
        }
        if (!known(id)) {
            return index.get(id).filter(e -> WaitingStart.waiting(e.stateDir()))
                    .map(e -> new RuntimeState(id, "created", 0)).orElse(RuntimeState.absent(id));
        }
        Commands.Result r = runtime(action, "state", id);
        if (r.exitCode() != 0) {
            if (!known(id)) {
                return RuntimeState.absent(id);
            }
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + r.message());
        }
        try {
            JsonObject json = new JsonObject(r.stdout());
            return new RuntimeState(id, json.getString("status", "unknown"), json.getInteger("pid", 0));
        } catch (DecodeException | ClassCastException e) {
            throw new BerthException(ErrorKind.INTERNAL, action + ": unreadable answer: " + r.stdout(), e);
        }
    }

    @Override
    public void kill(String id, int signal) throws BerthException {
        String action = "send signal " + signal + " to container " + id + " with " + name();
        if (signal <= 0 || signal > 64) {
            throw new BerthException(ErrorKind.INVALID, action + ": no such signal");
        }
        if (!known(id)) {
            Optional<ContainerIndex.Entry> entry = index.get(id);
            if (entry.isPresent() && WaitingStart.waiting(entry.get().stateDir())) {
                stopWaitingMonitor(entry.get().stateDir()); // no process ran: the container just ends
                return;
            }
            if (entry.isPresent() && Files.exists(entry.get().stateDir().resolve(ExitFile.NAME))) {
                return; // it ended, and its monitor deleted it from the runtime: nothing left to signal
            }
            throw new BerthException(ErrorKind.NOT_FOUND, action + ": " + name() + " has no such container");
        }
        Commands.Result r = runtime(action, "kill", id, Integer.toString(signal));
        if (r.exitCode() != 0) {
            RuntimeState s = state(id);
            if (s.status().equals("stopped") || s.status().equals("absent")) {
                return; // it ended already: nothing left to signal
            }
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + r.message());
        }
    }

    @Override
    public void pause(String id) throws BerthException {
        freezer(id, "pause", "paused");
    }

    @Override
    public void resume(String id) throws BerthException {
        freezer(id, "resume", "running");
    }

    /** Runs {@code runc pause} or {@code resume}; a container already in {@code wanted} state is left as it is. */
    private void freezer(String id, String command, String wanted) throws BerthException {
        String action = (command.equals("pause") ? "pause" : "unpause") + " container " + id + " with " + name();
        if (!known(id)) {
            if (index.get(id).filter(e -> Files.exists(e.stateDir().resolve(ExitFile.NAME))).isPresent()) {
                throw new BerthException(ErrorKind.CONFLICT, action + ": it is stopped");
            }
            throw new BerthException(ErrorKind.NOT_FOUND, action + ": " + name() + " has no such container");
        }
        Commands.Result r = runtime(action, command, id);
        if (r.exitCode() != 0) {
            String status = state(id).status();
            if (status.equals(wanted)) {
                return;
            }
            throw new BerthException(ErrorKind.CONFLICT, action + ": it is " + status + ": " + r.message());
        }
    }

    /** The exit the container's monitor recorded in its exit file, if it wrote one yet. */
    private Optional<ExitStatus> recordedExit(String id, ContainerIndex.Entry entry, String action)
            throws BerthException {
        try {
            Optional<ExitFile> exit = ExitFile.read(entry.stateDir());
            if (exit.isEmpty()) {
                return Optional.empty();
            }
            ExitFile f = exit.get();
            return Optional.of(new ExitStatus(f.exitCode(), f.signal(), oomKilled(id, entry), f.finishedAt(), f.error()));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, action + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ExitStatus exitStatus(String id) throws BerthException {
        String action = "read the exit of container " + id;
        ContainerIndex.Entry entry = index.get(id).orElseThrow(() -> new BerthException(ErrorKind.NOT_FOUND,
                action + ": " + name() + " did not create it"));
        Optional<ExitStatus> recorded = recordedExit(id, entry, action);
        if (recorded.isPresent()) {
            return recorded.get();
        }
        if (Shims.alive(entry.stateDir())) {
            return null;
        }
        // The monitor may have written its file and ended between the first look and now.
        recorded = recordedExit(id, entry, action);
        if (recorded.isPresent()) {
            return recorded.get();
        }
        String status = state(id).status();
        if (status.equals("stopped") || status.equals("absent")) {
            return new ExitStatus(-1, 0, oomKilled(id, entry), null,
                    "exit code unknown: its monitor ended without recording it");
        }
        return null;
    }

    @Override
    public void delete(String id, boolean force) throws BerthException {
        String action = (force ? "force-delete" : "delete") + " container " + id + " with " + name();
        Optional<ContainerIndex.Entry> entry = index.get(id);
        entry.ifPresent(e -> {
            publishExits(id, e);
            oomKilled(id, e); // the monitor's record of the cgroup's counter, or the counter while it exists
            awaitMonitorDelete(id, e.stateDir());
        });
        if (known(id)) {
            Commands.Result r = runtimeDelete(action, id, force);
            if (r.exitCode() != 0 && known(id) && entry.isPresent() && Shims.deletesAtExit(entry.get().stateDir())) {
                // A forced delete kills the process, and its monitor then runs a delete of its own beside this
                // one, which may have made this one fail: let the monitor's finish, then look again.
                Shims.awaitExit(entry.get().stateDir(), Duration.ofSeconds(3));
                awaitMonitorDelete(id, entry.get().stateDir());
                if (known(id)) {
                    r = runtimeDelete(action, id, force);
                }
            }
            if (r.exitCode() != 0 && known(id)) {
                throw new BerthException(force ? ErrorKind.UNAVAILABLE : ErrorKind.CONFLICT,
                        action + ": " + r.message());
            }
        }
        if (entry.isPresent() && !known(id)) {
            stopWaitingMonitor(entry.get().stateDir());
        }
        if (entry.isPresent()) {
            // A forced delete kills the process; let its monitor record and announce the exit first.
            Shims.awaitExit(entry.get().stateDir(), Duration.ofSeconds(3));
            publishExits(id, entry.get());
            forget(id);
        }
    }

    private Commands.Result runtimeDelete(String action, String id, boolean force) throws BerthException {
        return force ? runtime(action, "delete", "--force", id) : runtime(action, "delete", id);
    }

    /**
     * Waits while the container's monitor deletes it from the runtime, as one started with
     * {@link Shims#DELETE_AT_EXIT} does once the process ended (and its exit file is written): until the
     * runtime no longer holds it or the monitor has ended, {@link #MONITOR_DELETE_LIMIT} at most. Whatever the
     * runtime still holds after that, {@link #delete} deletes itself.
     */
    private void awaitMonitorDelete(String id, Path stateDir) {
        if (!known(id) || !Files.exists(stateDir.resolve(ExitFile.NAME)) || !Shims.deletesAtExit(stateDir)) {
            return;
        }
        long start = System.nanoTime();
        for (int round = 1; known(id); round++) {
            long waited = System.nanoTime() - start;
            if (waited > MONITOR_DELETE_LIMIT.toNanos() || round % 16 == 0 && !Shims.alive(stateDir)) {
                return;
            }
            // Half a millisecond at first: a runtime's delete takes 4 to 15 ms here.
            LockSupport.parkNanos(waited < 50_000_000L ? 500_000L : 5_000_000L);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    @Override
    public String exec(ExecRequest request) throws BerthException {
        String id = request.containerId();
        String action = "exec " + request.execId() + " in container " + id + " with " + name();
        checkId(request.execId(), action);
        ContainerIndex.Entry entry = index.get(id).orElseThrow(() -> new BerthException(ErrorKind.NOT_FOUND,
                action + ": " + name() + " did not create it"));
        RuntimeInfo now = recheck();
        if (!now.usable()) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + now.reason());
        }
        RuntimeState state = state(id);
        if (!state.status().equals("running")) {
            throw new BerthException(ErrorKind.CONFLICT, action + ": the container is " + state.status()
                    + ", not running");
        }
        Path stateDir = Path.of(request.stateDir()).toAbsolutePath();
        Path processFile = stateDir.resolve("process.json");
        try {
            JsonObject config = new JsonObject(Files.readString(entry.bundle().resolve("config.json"),
                    StandardCharsets.UTF_8));
            JsonObject process = ProcessSpec.build(request, config);
            Files.createDirectories(stateDir);
            // The exec's environment may hold secrets: only root reads the file (the runtime does).
            Files.deleteIfExists(processFile);
            Files.createFile(processFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(processFile, process.encodePrettily(), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INVALID, action + ": " + e.getMessage(), e);
        } catch (IOException | DecodeException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>(List.of(shim.toString(), "exec", "--runtime", now.path(),
                "--runtime-root", runtimeRoot.toString(), "--id", id, "--state-dir", stateDir.toString(),
                "--process", processFile.toString()));
        if (request.tty()) {
            cmd.add("--tty");
        }
        if (request.stdin()) {
            cmd.add("--stdin");
        }
        if (request.waitForAttach()) {
            cmd.add("--wait-attach");
        }
        ContainerIndex.Exec exec = new ContainerIndex.Exec(id, request.execId(), stateDir);
        try {
            clearLastRun(stateDir);
            watchExits(stateDir);
            index.putExec(exec);
            ShimLauncher.launch(cmd);
        } catch (IOException e) {
            try {
                index.removeExec(exec);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
        }
        return stateDir.resolve("attach.sock").toString();
    }

    @Override
    public List<String> list() {
        return index.ids();
    }

    /** Stops the exit poller; containers and their monitors keep running. */
    @Override
    public void close() {
        poller.shutdownNow();
        if (exitWatch != null) {
            exitWatch.close();
        }
    }

    private RuntimeInfo recheck() {
        RuntimeInfo current = info;
        RuntimeInfo fresh = withShim(current.path() == null || current.version() == null ? probe.probe()
                : probe.withHostCheck(current));
        info = fresh;
        return fresh;
    }

    private RuntimeInfo withShim(RuntimeInfo found) {
        if (shimProblem != null && found.usable()) {
            return new RuntimeInfo(found.name(), found.path(), found.version(), false, shimProblem);
        }
        return found;
    }

    private static void checkId(String id, String action) throws BerthException {
        if (!ID.matcher(id).matches()) {
            throw new BerthException(ErrorKind.INVALID, action + ": ids are 1-128 letters, digits, '_', '.', '-'");
        }
    }

    /** Whether the runtime holds state for {@code id} (its directory under our {@code --root}). */
    private boolean known(String id) {
        return ID.matcher(id).matches() && Files.isDirectory(runtimeRoot.resolve(id));
    }

    private Commands.Result runtime(String action, String... args) throws BerthException {
        String binary = info.path();
        if (binary == null) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + info.reason());
        }
        List<String> cmd = new ArrayList<>(List.of(binary, "--root", runtimeRoot.toString()));
        cmd.addAll(List.of(args));
        try {
            return Commands.run(cmd, COMMAND_TIMEOUT);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
        }
    }

    private void forget(String id) {
        try {
            index.remove(id);
        } catch (IOException e) {
            // the entry stays on disk; a later delete removes it
        }
    }

    /** Ends the monitor of a container that waits for START, which has no process to kill: nothing ran. */
    private static void stopWaitingMonitor(Path stateDir) {
        if (WaitingStart.waiting(stateDir)) {
            Shims.terminate(stateDir);
        }
        deleteMarker(stateDir);
    }

    private static void deleteMarker(Path stateDir) {
        try {
            Files.deleteIfExists(stateDir.resolve(WaitingStart.MARKER));
        } catch (IOException e) {
            // a monitor that no longer runs does not wait, marker or not (WaitingStart.waiting)
        }
    }

    /** Removes what a previous run of the same id left in a reused state dir, so its exit is new. */
    private void clearLastRun(Path stateDir) throws IOException {
        for (String name : List.of(ExitFile.NAME, ExitNotifier.MARKER, OOM_FILE, WaitingStart.MARKER)) {
            Files.deleteIfExists(stateDir.resolve(name));
        }
        notifier.reset(stateDir);
    }

    /**
     * Whether the OOM killer acted in the container's cgroup. Read from the cgroup while it exists and
     * remembered in the state dir once the container has exited, so it survives {@link #delete}.
     */
    private boolean oomKilled(String id, ContainerIndex.Entry entry) {
        Path cached = entry.stateDir().resolve(OOM_FILE);
        try {
            if (Files.exists(cached)) {
                return Boolean.parseBoolean(Files.readString(cached).strip());
            }
            Optional<Long> kills = cgroups.oomKills(cgroupsPath(id, entry.bundle()));
            if (kills.isEmpty()) {
                return false;
            }
            boolean oom = kills.get() > 0;
            if (Files.exists(entry.stateDir().resolve(ExitFile.NAME))) {
                Files.writeString(cached, Boolean.toString(oom));
            }
            return oom;
        } catch (IOException e) {
            return false;
        }
    }

    private static String cgroupsPath(String id, Path bundle) {
        try {
            JsonObject config = new JsonObject(Files.readString(bundle.resolve("config.json"),
                    StandardCharsets.UTF_8));
            String path = config.getJsonObject("linux", new JsonObject()).getString("cgroupsPath");
            if (path != null && path.startsWith("/")) {
                return path;
            }
        } catch (IOException | DecodeException | ClassCastException e) {
            // fall back to the path the spec stage uses
        }
        return "/berth/" + id;
    }

    private void pollExits() {
        try {
            for (Map.Entry<String, ContainerIndex.Entry> e : index.snapshot().entrySet()) {
                publishExits(e.getKey(), e.getValue());
            }
            for (ContainerIndex.Exec exec : index.execs()) {
                notifier.check(exec.containerId(), exec.execId(), exec.stateDir(), () -> false);
                if (Files.exists(exec.stateDir().resolve(ExitNotifier.MARKER)) || !Files.isDirectory(exec.stateDir())) {
                    index.removeExec(exec);
                }
            }
        } catch (IOException | RuntimeException e) {
            // a failing sink or disk must not stop the poller; what was not published is retried
        }
    }

    /**
     * Publishes the container's exit and those of its execs: the ones started through {@link #exec} and any
     * under {@code <stateDir>/exec/}.
     */
    private void publishExits(String id, ContainerIndex.Entry entry) {
        for (ContainerIndex.Exec exec : index.execs()) {
            if (exec.containerId().equals(id)) {
                notifier.check(id, exec.execId(), exec.stateDir(), () -> false);
            }
        }
        Path execDir = entry.stateDir().resolve("exec");
        if (Files.isDirectory(execDir)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(execDir, Files::isDirectory)) {
                for (Path dir : dirs) {
                    notifier.check(id, dir.getFileName().toString(), dir, () -> false);
                }
            } catch (IOException e) {
                // retried on the next round
            }
        }
        notifier.check(id, null, entry.stateDir(), () -> oomKilled(id, entry));
    }
}
