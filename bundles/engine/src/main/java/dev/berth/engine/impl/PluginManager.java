package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.container.ContainerRuntime;
import dev.berth.api.events.PluginDisabled;
import dev.berth.api.events.PluginEnabled;
import dev.berth.api.events.PluginFailed;
import dev.berth.api.events.PluginSwapped;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.plugin.PluginKind;
import dev.berth.api.plugin.PluginProperties;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * Plugin management while the engine runs: {@code berth plugins} and {@code berth plugin install | update |
 * stop | start | rm | use}, on {@link BusAddresses#ENGINE_PLUGIN}. The plugins folder is the one place
 * installed plugins live, so installing by command and by copying a jar into the folder are the same thing
 * (FileInstall does the framework part of both); an updated built-in is kept under
 * {@code <root>/builtins/} and preferred by the launcher at the next start.
 *
 * <p>Nothing is accepted that cannot run: a jar is read by the framework itself (installed under a
 * throw-away location, never started) and refused, before anything is written, when it is not a bundle,
 * names another plugin, or needs a package this engine does not export, such as another major version
 * of Berth's SPI. A plugin that is accepted but then fails to start is removed again (an update is rolled
 * back to the previous build), and the reason is both logged and answered.
 *
 * <p>It also turns faults into events: stage calls that threw or hung ({@link StageBusComponent#STAGE_FAULT}),
 * bundles that do not resolve and components that fail to activate, each logged once as
 * {@code plugin.failed} with the reason in words. Thread-safe: changes are serialised on the manager.
 */
final class PluginManager {
    private static final System.Logger LOG = System.getLogger("berth.engine.plugins");
    /** The largest plugin jar accepted. */
    static final long MAX_JAR_BYTES = 256L * 1024 * 1024;
    /** How long a change may take to show in the framework (FileInstall polls every 500 ms). */
    private static final long SETTLE_MILLIS = 20_000;
    private static final long HEALTH_PERIOD_MS = 2_000;
    /** How long an active plugin's components may wait for their services before it counts as failed. */
    private static final long UNSATISFIED_MILLIS = 5_000;

    private final BundleContext context;
    private final Vertx vertx;
    private final BusCalls calls;
    private final Projections projections;
    private final PluginProjection plugins;
    private final ContainerProjection containers;
    private final ServiceComponentRuntime scr;
    /** The runtime new containers get, as the container service decides it (the log, else configuration). */
    private final java.util.function.Supplier<String> defaultRuntime;
    private final Path pluginsDir;
    private final Path builtinsDir;
    private final Set<String> builtins;
    /** The failure last logged per plugin id, so a lasting fault is logged once. */
    private final Map<String, String> reported = new ConcurrentHashMap<>();
    private final List<MessageConsumer<?>> consumers = new ArrayList<>();
    private long healthTimer = -1;
    private final org.osgi.framework.BundleListener keepStopped = event -> {
        if (event.getType() == org.osgi.framework.BundleEvent.STARTED) {
            keepDisabledStopped(event.getBundle());
        }
    };

    PluginManager(BundleContext context, Vertx vertx, BusCalls calls, Projections projections,
            PluginProjection plugins, ContainerProjection containers, java.util.function.Supplier<String> defaultRuntime,
            ServiceComponentRuntime scr, Path root) {
        this.context = context;
        this.defaultRuntime = defaultRuntime;
        this.vertx = vertx;
        this.calls = calls;
        this.projections = projections;
        this.plugins = plugins;
        this.containers = containers;
        this.scr = scr;
        String folder = context.getProperty("felix.fileinstall.dir");
        this.pluginsDir = folder == null || folder.isBlank() ? null : Path.of(folder).toAbsolutePath().normalize();
        this.builtinsDir = root.resolve("builtins");
        String names = context.getProperty(PluginProperties.BUILTINS_PROPERTY);
        this.builtins = names == null ? Set.of() : Set.copyOf(Arrays.stream(names.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList());
        for (PluginProjection.Plugin plugin : projections.query(plugins::all)) {
            if (plugin.failure() != null) {
                reported.put(plugin.id(), plugin.failure());
            }
        }
    }

    /** Starts answering on the bus and watching plugin health. */
    List<MessageConsumer<?>> register() {
        consumers.add(vertx.eventBus().<String>consumer(BusAddresses.ENGINE_PLUGIN, this::onRequest));
        consumers.add(vertx.eventBus().<String>localConsumer(StageBusComponent.STAGE_FAULT, m -> vertx.executeBlocking(() -> {
            JsonObject fault = new JsonObject(m.body());
            logFailure(fault.getString("plugin"), fault.getString("version"), fault.getString("stage"),
                    fault.getString("reason"), true);
            return null;
        }, false)));
        consumers.add(vertx.eventBus().<String>localConsumer(StageBusComponent.ENGINE_STAGE_CHOICES,
                m -> m.reply(new JsonObject().put("choices", new JsonObject(new HashMap<>(
                        projections.query(plugins::choices)))).encode())));
        // The stage component may have started before the engine: tell it what the log chose.
        projections.query(plugins::choices).forEach((stage, plugin) -> vertx.eventBus().publish(
                StageBusComponent.STAGE_CHOOSE, new JsonObject().put("stage", stage).put("plugin", plugin).encode()));
        context.addBundleListener(keepStopped);
        for (Bundle bundle : context.getBundles()) {
            keepDisabledStopped(bundle);
        }
        healthTimer = vertx.setPeriodic(HEALTH_PERIOD_MS, id -> vertx.executeBlocking(() -> {
            checkHealth();
            return null;
        }, false));
        return consumers;
    }

    void stop() {
        context.removeBundleListener(keepStopped);
        if (healthTimer >= 0) {
            vertx.cancelTimer(healthTimer);
        }
    }

    private void onRequest(Message<String> message) {
        calls.serve(message, "plugin", request -> {
            String op = request.getString("op", "");
            synchronized (this) {
                return switch (op) {
                    case "install" -> install(path(request, "file"), request.getBoolean("use", false));
                    case "update" -> update(id(request), path(request, "file"));
                    case "stop" -> stopPlugin(id(request), request.getBoolean("force", false));
                    case "start" -> startPlugin(id(request));
                    case "remove" -> remove(id(request), request.getBoolean("force", false));
                    case "use" -> use(id(request), request.getString("stage"));
                    default -> throw new BerthException(ErrorKind.INVALID, "plugin: unknown op \"" + op
                            + "\" (install, update, stop, start, remove, use)");
                };
            }
        });
    }

    private static String id(JsonObject request) throws BerthException {
        String id = request.getString("id", "");
        if (id.isBlank()) {
            throw new BerthException(ErrorKind.INVALID, "plugin: missing plugin ID");
        }
        return id;
    }

    private static Path path(JsonObject request, String field) throws BerthException {
        String value = request.getString(field, "");
        if (value.isBlank() || !value.startsWith("/") || value.indexOf('\0') >= 0) {
            throw new BerthException(ErrorKind.INVALID, "plugin: \"" + field + "\" must be an absolute path to a jar");
        }
        return Path.of(value).normalize();
    }

    // ---- reading a jar before accepting it ------------------------------------------------------------

    /** What a candidate jar is, as the framework reads it. Immutable. */
    record Candidate(String id, String version, PluginKind kind, List<String> missing) {
    }

    /**
     * Reads {@code jar} the way the framework does (installed under a throw-away location, never resolved
     * or started, uninstalled again) and says what it is and what it lacks here.
     */
    Candidate inspect(Path jar) throws BerthException {
        long size;
        try {
            if (!Files.isRegularFile(jar)) {
                throw new BerthException(ErrorKind.INVALID, "plugin: " + jar + " is not a file");
            }
            size = Files.size(jar);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INVALID, "plugin: cannot read " + jar + ": " + e.getMessage(), e);
        }
        if (size > MAX_JAR_BYTES) {
            throw new BerthException(ErrorKind.INVALID, "plugin: " + jar + " is " + size + " bytes; the limit is "
                    + MAX_JAR_BYTES);
        }
        Bundle probe;
        try (InputStream in = Files.newInputStream(jar)) {
            probe = context.installBundle(PluginTracker.INSPECTION_PREFIX + UUID.randomUUID(), in);
        } catch (BundleException | IOException | RuntimeException e) {
            throw new BerthException(ErrorKind.INVALID, "plugin: " + jar + " is not a bundle the framework can "
                    + "install: " + e.getMessage(), e);
        }
        try {
            String id = probe.getSymbolicName();
            if (id == null || probe.getHeaders("").get(Constants.BUNDLE_MANIFESTVERSION) == null) {
                throw new BerthException(ErrorKind.INVALID, "plugin: " + jar + " is not an OSGi bundle: its manifest "
                        + "has no Bundle-SymbolicName or Bundle-ManifestVersion");
            }
            return new Candidate(id, probe.getVersion().toString(), PluginTracker.kindOf(probe),
                    BundleDiagnosis.missingRequirements(probe, context));
        } finally {
            try {
                probe.uninstall();
            } catch (BundleException | IllegalStateException e) {
                LOG.log(Level.WARNING, "uninstall the inspection of " + jar + ": " + e.getMessage());
            }
        }
    }

    private static void refuseMissing(Candidate candidate, String action) throws BerthException {
        if (!candidate.missing().isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, action + ": plugin " + candidate.id() + " "
                    + candidate.version() + " cannot run on this engine: it " + String.join("; it ",
                    candidate.missing()) + ". Nothing was installed.");
        }
    }

    // ---- install, update ------------------------------------------------------------------------------

    private JsonObject install(Path jar, boolean use) throws BerthException {
        String action = "plugin install " + jar.getFileName();
        Path folder = requirePluginsFolder(action);
        Candidate candidate = inspect(jar);
        Optional<Bundle> existing = bundle(candidate.id());
        if (existing.isPresent()) {
            throw new BerthException(ErrorKind.CONFLICT, action + ": plugin " + candidate.id() + " is already "
                    + "installed (version " + existing.get().getVersion() + "); use berth plugin update "
                    + candidate.id() + " FILE");
        }
        refuseMissing(candidate, action);
        Path target = folder.resolve(candidate.id() + ".jar");
        if (Files.exists(target)) {
            throw new BerthException(ErrorKind.CONFLICT, action + ": " + target + " already exists in the plugins "
                    + "folder but is not installed; remove it first");
        }
        place(jar, target, action);
        Bundle bundle;
        try {
            bundle = settle(candidate.id(), candidate.version(), action);
        } catch (BerthException e) {
            deleteQuietly(target);
            awaitGone(candidate.id());
            throw new BerthException(e.kind(), e.getMessage() + "; it was removed again", e);
        }
        JsonObject answer = describe(bundle);
        if (use) {
            answer.put("use", use(candidate.id(), null));
        }
        return answer;
    }

    private JsonObject update(String id, Path jar) throws BerthException {
        String action = "plugin update " + id;
        Bundle bundle = manageable(id, action);
        Candidate candidate = inspect(jar);
        if (!candidate.id().equals(bundle.getSymbolicName())) {
            throw new BerthException(ErrorKind.INVALID, action + ": " + jar + " is plugin " + candidate.id()
                    + ", not " + bundle.getSymbolicName());
        }
        refuseMissing(candidate, action);
        String from = bundle.getVersion().toString();
        Path inFolder = inPluginsFolder(bundle);
        if (inFolder != null) {
            Path previous = backup(inFolder, action);
            place(jar, inFolder, action);
            try {
                settleUpdate(bundle, action);
            } catch (BerthException e) {
                restore(previous, inFolder, bundle, action);
                throw new BerthException(e.kind(), e.getMessage() + "; the previous build (" + from
                        + ") was put back", e);
            }
            deleteQuietly(previous);
        } else {
            Path override = builtinsDir.resolve(bundle.getSymbolicName() + ".jar");
            Path previous = Files.exists(override) ? backup(override, action) : null;
            place(jar, override, action);
            try (InputStream in = Files.newInputStream(override)) {
                bundle.update(in); // stops it (its calls under way drain first), then starts the new build
                settleUpdate(bundle, action);
            } catch (IOException | BundleException | BerthException e) {
                rollBackBuiltin(bundle, override, previous, action);
                throw new BerthException(e instanceof BerthException b ? b.kind() : ErrorKind.INVALID,
                        (e instanceof BerthException ? "" : action + ": ") + message(e) + "; the previous build ("
                                + from + ") was put back", e);
            }
            if (previous != null) {
                deleteQuietly(previous);
            }
        }
        return describe(bundle).put("from", from);
    }

    private void rollBackBuiltin(Bundle bundle, Path override, Path previous, String action) {
        try {
            if (previous != null) {
                Files.move(previous, override, StandardCopyOption.REPLACE_EXISTING);
                try (InputStream in = Files.newInputStream(override)) {
                    bundle.update(in);
                }
            } else {
                Files.deleteIfExists(override);
                bundle.update(); // from its location: the distribution's jar
            }
            bundle.start();
        } catch (IOException | BundleException | RuntimeException e) {
            LOG.log(Level.ERROR, action + ": rolling back failed: " + message(e));
        }
    }

    private void restore(Path previous, Path target, Bundle bundle, String action) {
        try {
            Files.move(previous, target, StandardCopyOption.REPLACE_EXISTING);
            settleUpdate(bundle, action + " (roll back)");
        } catch (IOException | BerthException e) {
            LOG.log(Level.ERROR, action + ": rolling back failed: " + message(e));
        }
    }

    /** Moves a copy of {@code file} aside (same folder, not a .jar name) and returns where. */
    private static Path backup(Path file, String action) throws BerthException {
        Path aside = file.resolveSibling("." + file.getFileName() + ".previous");
        try {
            Files.copy(file, aside, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            return aside;
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, action + ": cannot keep the previous build of " + file
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies {@code jar} to {@code target} all at once: written under a name the plugins folder ignores
     * (it only takes *.jar), forced to disk, then renamed, so FileInstall never sees half a jar.
     */
    private static void place(Path jar, Path target, String action) throws BerthException {
        Path part = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            Files.createDirectories(target.getParent());
            Files.copy(jar, part, StandardCopyOption.REPLACE_EXISTING);
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(part,
                    java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(part);
            throw new BerthException(ErrorKind.INTERNAL, action + ": cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits until the bundle {@code id} at {@code version} is in the framework and settled: active with
     * every component activated, or failed (then the failure, in words).
     */
    private Bundle settle(String id, String version, String action) throws BerthException {
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
        Bundle seen = null;
        long activeSince = 0;
        while (System.nanoTime() < deadline) {
            seen = bundle(id).filter(b -> b.getVersion().toString().equals(version)).orElse(null);
            if (seen != null && seen.getState() == Bundle.ACTIVE) {
                if (BundleDiagnosis.componentsSettled(seen, scr)) {
                    checkStarted(seen, action);
                    return seen;
                }
                activeSince = activeSince == 0 ? System.nanoTime() : activeSince;
                List<String> waiting = BundleDiagnosis.unsatisfiedComponents(seen, scr);
                if (!waiting.isEmpty() && System.nanoTime() - activeSince > UNSATISFIED_MILLIS * 1_000_000) {
                    throw failedToStart(seen, action, String.join("; ", waiting));
                }
            }
            if (seen != null && seen.getState() == Bundle.INSTALLED) {
                List<String> missing = BundleDiagnosis.missingRequirements(seen, context);
                if (!missing.isEmpty()) {
                    throw failedToStart(seen, action, "it " + String.join("; it ", missing));
                }
            }
            sleep(25);
        }
        if (seen == null) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": plugin " + id + " " + version
                    + " did not appear in " + SETTLE_MILLIS / 1000 + " s (is FileInstall running?)");
        }
        throw failedToStart(seen, action, "it is still " + EngineComponent.stateName(seen.getState()) + " after "
                + SETTLE_MILLIS / 1000 + " s");
    }

    /** Waits until {@code bundle} was rebuilt and is settled again. */
    private void settleUpdate(Bundle bundle, String action) throws BerthException {
        long since = bundle.getLastModified();
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
        // FileInstall notices a replaced jar on its next poll; an update in place has happened already.
        while (bundle.getLastModified() == since && System.nanoTime() < deadline && inPluginsFolder(bundle) != null) {
            sleep(25);
        }
        settle(bundle.getSymbolicName(), bundle.getVersion().toString(), action);
    }

    private void checkStarted(Bundle bundle, String action) throws BerthException {
        List<String> failed = BundleDiagnosis.failedComponents(bundle, scr);
        if (!failed.isEmpty()) {
            throw failedToStart(bundle, action, String.join("; ", failed));
        }
    }

    private BerthException failedToStart(Bundle bundle, String action, String reason) {
        logFailure(bundle.getSymbolicName(), bundle.getVersion().toString(), null, reason, false);
        return new BerthException(ErrorKind.INVALID, action + ": plugin " + bundle.getSymbolicName() + " "
                + bundle.getVersion() + " failed to start: " + reason);
    }

    // ---- stop, start, remove ------------------------------------------------------------------------

    /** Whether the log says the operator stopped this plugin ({@code plugin.disabled}) and has not started it since. */
    private boolean disabled(String id) {
        return projections.query(() -> plugins.get(id)).map(PluginProjection.Plugin::disabled).orElse(false);
    }

    /**
     * Keeps a plugin the operator stopped stopped: the launcher and FileInstall start every bundle at a
     * daemon start, so one the log says is disabled is stopped again as soon as it has started.
     */
    private void keepDisabledStopped(Bundle bundle) {
        if (PluginTracker.ignored(bundle) || bundle.getState() != Bundle.ACTIVE || !disabled(bundle.getSymbolicName())) {
            return;
        }
        vertx.executeBlocking(() -> {
            synchronized (this) {
                if (bundle.getState() == Bundle.ACTIVE && disabled(bundle.getSymbolicName())) {
                    LOG.log(Level.INFO, "plugin " + bundle.getSymbolicName() + " was stopped with berth plugin stop; "
                            + "keeping it stopped (berth plugin start starts it)");
                    bundle.stop(Bundle.STOP_TRANSIENT);
                }
            }
            return null;
        }, false);
    }

    private JsonObject stopPlugin(String id, boolean force) throws BerthException {
        String action = "plugin stop " + id;
        Bundle bundle = manageable(id, action);
        JsonArray orphaned = refuseLiveContainers(bundle, force, action);
        if (!disabled(id)) {
            calls.append(id, new PluginDisabled(bundle.getVersion().toString()));
        }
        try {
            bundle.stop(); // its stage calls under way finish first (the stage slot drains them)
        } catch (BundleException e) {
            throw new BerthException(ErrorKind.INTERNAL, action + ": " + e.getMessage(), e);
        }
        return describe(bundle).put("orphaned", orphaned);
    }

    private JsonObject startPlugin(String id) throws BerthException {
        String action = "plugin start " + id;
        Bundle bundle = manageable(id, action);
        if (disabled(id)) {
            calls.append(id, new PluginEnabled(bundle.getVersion().toString()));
        }
        try {
            bundle.start();
        } catch (BundleException e) {
            List<String> missing = BundleDiagnosis.missingRequirements(bundle, context);
            throw failedToStart(bundle, action, missing.isEmpty() ? e.getMessage() : "it " + String.join("; it ",
                    missing));
        }
        settle(bundle.getSymbolicName(), bundle.getVersion().toString(), action);
        return describe(bundle);
    }

    private JsonObject remove(String id, boolean force) throws BerthException {
        String action = "plugin rm " + id;
        Bundle bundle = manageable(id, action);
        Path file = inPluginsFolder(bundle);
        if (file == null) {
            throw new BerthException(ErrorKind.CONFLICT, action + ": " + id + " is built into the distribution; "
                    + "stop it (berth plugin stop " + id + ") or make another plugin serve its stage (berth plugin use)");
        }
        JsonArray orphaned = refuseLiveContainers(bundle, force, action);
        JsonObject answer = describe(bundle).put("orphaned", orphaned);
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, action + ": cannot delete " + file + ": " + e.getMessage(), e);
        }
        awaitGone(id);
        return answer.put("state", "uninstalled");
    }

    /**
     * A runtime plugin holding containers that were created or run through it cannot go unless forced;
     * forced, those containers are named in the answer (they stay stoppable: the engine then signals them
     * itself).
     */
    private JsonArray refuseLiveContainers(Bundle bundle, boolean force, String action) throws BerthException {
        Set<String> runtimes = runtimeNames(bundle);
        JsonArray live = new JsonArray();
        if (runtimes.isEmpty()) {
            return live;
        }
        for (ContainerProjection.Container c : projections.query(containers::all)) {
            if (runtimes.contains(c.runtime()) && (c.running() || c.status().equals("created"))) {
                live.add(new JsonObject().put("id", c.id()).put("name", c.name()).put("status", c.status())
                        .put("runtime", c.runtime()));
            }
        }
        if (!live.isEmpty() && !force) {
            List<String> names = live.stream().map(o -> ((JsonObject) o).getString("name")).toList();
            throw new BerthException(ErrorKind.CONFLICT, action + ": runtime " + String.join(", ", runtimes)
                    + " still holds " + live.size() + " container(s): " + String.join(", ", names)
                    + "; stop them first, or use --force (they stay stoppable)");
        }
        return live;
    }

    private Set<String> runtimeNames(Bundle bundle) {
        Set<String> names = new LinkedHashSet<>();
        for (ServiceReference<?> service : services(bundle)) {
            if (ContainerRuntime.STAGE.equals(service.getProperty(PluginProperties.STAGE))) {
                Object name = service.getProperty(ContainerRuntime.NAME_PROPERTY);
                if (name != null) {
                    names.add(name.toString());
                }
            }
        }
        return names;
    }

    // ---- use ------------------------------------------------------------------------------------------

    private JsonObject use(String id, String wantedStage) throws BerthException {
        String action = "plugin use " + id;
        Bundle bundle = bundle(id).orElseThrow(() -> new BerthException(ErrorKind.NOT_FOUND, action
                + ": no plugin " + id + " is installed (berth plugins)"));
        Set<String> stages = new LinkedHashSet<>();
        for (ServiceReference<?> service : services(bundle)) {
            Object stage = service.getProperty(PluginProperties.STAGE);
            if (stage != null) {
                stages.add(stage.toString());
            }
        }
        if (stages.isEmpty()) {
            throw new BerthException(ErrorKind.CONFLICT, action + ": " + id + " serves no stage"
                    + (bundle.getState() == Bundle.ACTIVE ? "" : " (it is " + EngineComponent.stateName(bundle.getState())
                    + "; start it first)"));
        }
        if (wantedStage != null && !wantedStage.isBlank()) {
            if (!stages.contains(wantedStage)) {
                throw new BerthException(ErrorKind.INVALID, action + ": " + id + " does not serve the " + wantedStage
                        + " stage (it serves " + String.join(", ", stages) + ")");
            }
            return useFor(id, bundle, wantedStage);
        }
        // Without --stage, the plugin serves every stage it provides (the pull plugin pulls and pushes).
        JsonArray each = new JsonArray();
        for (String stage : stages) {
            each.add(useFor(id, bundle, stage));
        }
        JsonObject first = each.getJsonObject(0).copy();
        return each.size() == 1 ? first : first.put("stage", String.join(", ", stages)).put("stages", each);
    }

    /** Makes {@code id} serve {@code stage} (for a runtime plugin: the default runtime), logging a real change. */
    private JsonObject useFor(String id, Bundle bundle, String stage) throws BerthException {
        if (stage.equals(ContainerRuntime.STAGE)) {
            Set<String> names = runtimeNames(bundle);
            JsonObject reply = calls.request(BusAddresses.ENGINE_CONTAINERS, "runtime default", new JsonObject()
                    .put("op", "runtime.default").put("name", names.iterator().next()), 30_000);
            return new JsonObject().put("stage", stage).put("plugin", id).put("runtime", names.iterator().next())
                    .put("default", reply.getString("default"));
        }
        JsonObject active = calls.request(StageBusComponent.STAGE_ACTIVE, "stages", new JsonObject(), 10_000)
                .getJsonObject("stages").getJsonObject(stage, new JsonObject());
        String from = active.getJsonObject("active", new JsonObject()).getString("plugin");
        String chosen = active.getString("chosen");
        if (!id.equals(chosen) || !id.equals(from)) {
            calls.append(id, new PluginSwapped(stage, bundle.getVersion().toString(), from));
            vertx.eventBus().publish(StageBusComponent.STAGE_CHOOSE, new JsonObject().put("stage", stage)
                    .put("plugin", id).encode());
        }
        return new JsonObject().put("stage", stage).put("plugin", id).put("version", bundle.getVersion().toString())
                .put("from", from);
    }

    // ---- faults ---------------------------------------------------------------------------------------

    /**
     * Logs {@code plugin.failed} unless this very reason is the last one logged for the plugin (a lasting
     * fault is logged once); {@code always} logs every stage-call fault, as each is a call that failed.
     */
    private void logFailure(String id, String version, String stage, String reason, boolean always) {
        if (id == null || reason == null) {
            return;
        }
        if (!always && reason.equals(reported.get(id))) {
            return;
        }
        reported.put(id, reason);
        try {
            calls.append(id, new PluginFailed(version == null ? "unknown" : version, stage, reason));
        } catch (BerthException e) {
            LOG.log(Level.ERROR, "log plugin.failed for " + id + ": " + e.getMessage());
        }
    }

    /** Logs plugins that do not resolve or whose components failed to activate; run periodically. */
    void checkHealth() {
        for (Bundle bundle : context.getBundles()) {
            if (PluginTracker.ignored(bundle) || !isPlugin(bundle)
                    || bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            if (bundle.getState() == Bundle.INSTALLED) {
                List<String> missing = BundleDiagnosis.missingRequirements(bundle, context);
                if (!missing.isEmpty()) {
                    logFailure(bundle.getSymbolicName(), bundle.getVersion().toString(), null,
                            "does not resolve: it " + String.join("; it ", missing), false);
                }
            } else if (bundle.getState() == Bundle.ACTIVE) {
                List<String> failed = BundleDiagnosis.failedComponents(bundle, scr);
                if (!failed.isEmpty()) {
                    logFailure(bundle.getSymbolicName(), bundle.getVersion().toString(), null,
                            String.join("; ", failed), false);
                } else {
                    reported.remove(bundle.getSymbolicName());
                }
            }
        }
    }

    // ---- listing --------------------------------------------------------------------------------------

    /** {@code berth plugins}: every plugin the log knows, with its live state, what it provides and serves. */
    JsonObject list(JsonObject isolationDefaults) {
        JsonObject stages;
        try {
            stages = calls.request(StageBusComponent.STAGE_ACTIVE, "stages", new JsonObject(), 10_000)
                    .getJsonObject("stages", new JsonObject());
        } catch (BerthException e) {
            stages = new JsonObject();
        }
        String defaultRuntime = this.defaultRuntime.get();
        JsonArray array = new JsonArray();
        for (PluginProjection.Plugin plugin : projections.query(plugins::all)) {
            Bundle live = bundle(plugin.id()).orElse(null);
            JsonObject entry = new JsonObject().put("id", plugin.id()).put("version", plugin.version())
                    .put("kind", live == null ? plugin.kind() : kind(live).label())
                    .put("location", plugin.location())
                    .put("builtin", builtins.contains(plugin.id()))
                    .put("sinceSequence", plugin.sinceSequence())
                    .put("since", Instant.ofEpochSecond(0, plugin.sinceTimeNanos()).toString())
                    .put("bundleId", live == null ? null : live.getBundleId())
                    .put("state", live == null ? "uninstalled" : EngineComponent.stateName(live.getState()))
                    .put("failure", plugin.failure())
                    .put("disabled", plugin.disabled());
            JsonArray provides = new JsonArray();
            JsonArray serves = new JsonArray();
            if (live != null) {
                for (ServiceReference<?> service : services(live)) {
                    String provided = provision(service);
                    if (provided != null) {
                        provides.add(provided);
                    }
                    Object stage = service.getProperty(PluginProperties.STAGE);
                    Object runtime = service.getProperty(ContainerRuntime.NAME_PROPERTY);
                    if (runtime != null && runtime.equals(defaultRuntime)) {
                        serves.add("run (default runtime)");
                    } else if (stage != null && runtime == null && plugin.id().equals(stages.getJsonObject(
                            stage.toString(), new JsonObject()).getJsonObject("active", new JsonObject()).getString("plugin"))) {
                        serves.add(stage.toString());
                    }
                }
            }
            entry.put("provides", provides).put("serves", serves);
            entry.put("isolation", live == null ? new JsonArray() : isolationDefaults.getJsonArray(plugin.id(),
                    new JsonArray()));
            array.add(entry);
        }
        return new JsonObject().put("plugins", array).put("stages", stages);
    }

    // ---- bundles --------------------------------------------------------------------------------------

    /** The live bundle with this symbolic name (the newest when several), inspections aside. */
    Optional<Bundle> bundle(String id) {
        return Arrays.stream(context.getBundles()).filter(b -> id.equals(b.getSymbolicName()) && !PluginTracker.ignored(b))
                .max(java.util.Comparator.comparingLong(Bundle::getBundleId));
    }

    private static List<ServiceReference<?>> services(Bundle bundle) {
        ServiceReference<?>[] registered = bundle.getRegisteredServices();
        return registered == null ? List.of() : Arrays.asList(registered);
    }

    /** What one service gives the engine, in words: "runtime crun", "stage pull", "isolation cgroups"; else null. */
    private static String provision(ServiceReference<?> service) {
        Object stage = service.getProperty(PluginProperties.STAGE);
        Object runtime = service.getProperty(ContainerRuntime.NAME_PROPERTY);
        if (runtime != null && ContainerRuntime.STAGE.equals(stage)) {
            return "runtime " + runtime;
        }
        if (stage != null) {
            return "stage " + stage;
        }
        return isIsolation(service) ? "isolation " + service.getProperty(PluginProperties.ID) : null;
    }

    private static boolean isIsolation(ServiceReference<?> service) {
        return Arrays.asList((String[]) service.getProperty(Constants.OBJECTCLASS)).contains(IsolationModule.class.getName());
    }

    /** The kind a bundle declares, or the kind its services show for plugins that declare none. */
    static PluginKind kind(Bundle bundle) {
        PluginKind declared = PluginTracker.kindOf(bundle);
        if (declared != PluginKind.LIBRARY) {
            return declared;
        }
        for (ServiceReference<?> service : services(bundle)) {
            Object stage = service.getProperty(PluginProperties.STAGE);
            if (ContainerRuntime.STAGE.equals(stage)) {
                return PluginKind.RUNTIME;
            }
            if (stage != null) {
                return PluginKind.STAGE;
            }
            if (isIsolation(service)) {
                return PluginKind.ISOLATION;
            }
        }
        return declared;
    }

    /** True for bundles the plugin commands manage: anything in the plugins folder, and built-in plugins. */
    private boolean isPlugin(Bundle bundle) {
        if (inPluginsFolder(bundle) != null) {
            return true;
        }
        PluginKind kind = kind(bundle);
        return kind == PluginKind.STAGE || kind == PluginKind.RUNTIME || kind == PluginKind.ISOLATION;
    }

    private Bundle manageable(String id, String action) throws BerthException {
        Bundle bundle = bundle(id).orElseThrow(() -> new BerthException(ErrorKind.NOT_FOUND, action
                + ": no plugin " + id + " is installed (berth plugins)"));
        if (!isPlugin(bundle)) {
            throw new BerthException(ErrorKind.CONFLICT, action + ": " + id + " is one of the engine's own "
                    + kind(bundle).label() + " bundles, not a plugin; it changes with the distribution");
        }
        return bundle;
    }

    /** The bundle's jar in the plugins folder, or null when it was installed from elsewhere. */
    private Path inPluginsFolder(Bundle bundle) {
        if (pluginsDir == null) {
            return null;
        }
        try {
            String location = bundle.getLocation();
            if (!location.startsWith("file:")) {
                return null;
            }
            Path path = Path.of(URI.create(location)).toAbsolutePath().normalize();
            return path.getParent() != null && path.getParent().equals(pluginsDir) ? path : null;
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return null;
        }
    }

    private Path requirePluginsFolder(String action) throws BerthException {
        if (pluginsDir == null) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": this daemon watches no plugins folder");
        }
        return pluginsDir;
    }

    private void awaitGone(String id) {
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
        while (bundle(id).filter(b -> inPluginsFolder(b) != null).isPresent() && System.nanoTime() < deadline) {
            sleep(25);
        }
    }

    private JsonObject describe(Bundle bundle) {
        JsonArray provides = new JsonArray();
        for (ServiceReference<?> service : services(bundle)) {
            String provided = provision(service);
            if (provided != null) {
                provides.add(provided);
            }
        }
        return new JsonObject().put("id", bundle.getSymbolicName()).put("version", bundle.getVersion().toString())
                .put("kind", kind(bundle).label()).put("state", EngineComponent.stateName(bundle.getState()))
                .put("location", bundle.getLocation()).put("provides", provides);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "delete " + file + ": " + e.getMessage());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
