package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogHead;
import dev.berth.api.event.LogVerification;
import dev.berth.api.events.EngineStarted;
import dev.berth.api.events.EngineStopped;
import dev.berth.api.events.NoteAdded;
import dev.berth.api.container.SpecStage;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.plugin.PluginProperties;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * The engine core: rebuilds every projection from the event log, logs plugin changes, records its own
 * start and stop, and answers engine requests on the bus ({@link BusAddresses#ENGINE_INFO},
 * {@link BusAddresses#ENGINE_PLUGINS}, {@link BusAddresses#ENGINE_NOTE}). Activated by SCR only.
 */
@Component(service = {}, immediate = true)
public final class EngineComponent {
    private static final System.Logger LOG = System.getLogger("berth.engine");
    private static final long CHECKPOINT_PERIOD_MS = 30_000;
    /** How long start-up may take before plugins that did not come up are logged as stopped or gone. */
    private static final long SETTLE_DELAY_MS = 30_000;
    /** Framework property: the runtime containers get until {@code berth runtime default} chooses one. */
    static final String DEFAULT_RUNTIME_PROPERTY = "berth.runtime.default";

    private final BundleContext context;
    private final EventLog log;
    private final Vertx vertx;
    private final EventCodec codec = new EventCodec();
    private final PluginProjection plugins = new PluginProjection(codec);
    private final ImageProjection images = new ImageProjection(codec);
    private final ContainerProjection containers = new ContainerProjection(codec);
    private ContainerService containerService;
    private final PluginManager pluginManager;
    private final Projections projections;
    private final CheckpointSeries series;
    private final SubjectIndex index;
    private final PluginTracker tracker;
    private final HostProbe probe = new HostProbe();
    private final List<MessageConsumer<?>> consumers = new ArrayList<>();
    private final Path root;
    private final Path runDir;
    private final Instant startedAt = Instant.now();
    private final long checkpointTimer;
    private final long settleTimer;
    private ServiceRegistration<?> fatal;
    /** Set once deactivated: a late failure no longer registers {@code berth.fatal}. */
    private boolean stopped;

    @Activate
    public EngineComponent(BundleContext context, @Reference EventLog log, @Reference Vertx vertx,
            @Reference ServiceComponentRuntime scr) {
        this.context = context;
        this.log = log;
        this.vertx = vertx;
        this.root = PluginProperties.stateRoot(context::getProperty);
        this.runDir = Path.of(property(PluginProperties.RUN_PROPERTY, "/run/berth"));
        this.series = new CheckpointSeries(new CheckpointStore(root.resolve("checkpoints").resolve("series"),
                codec.mapper()), CheckpointSeries.INTERVAL);
        this.projections = new Projections(log, List.of(plugins, images, containers), new CheckpointStore(
                root.resolve("checkpoints"), codec.mapper()), series);
        this.index = new SubjectIndex(log, codec.mapper());
        try {
            projections.start();
            // After the replay, not beside it: on two cores the two reads of the whole log would share them.
            index.start();
            LOG.log(Level.INFO, "projections rebuilt: {0}", projections.startReport());
            tracker = new PluginTracker(context, log, codec, projections.query(plugins::all));
            context.addBundleListener(tracker);
            // The built-ins' plugin events and engine.started go to the log in this order now, and become
            // durable while the start goes on (one group commit instead of a wait here, 0.15 s of the start on
            // a fresh root). Nothing is acknowledged to anyone before the API opens, after every bundle started;
            // should the log refuse them, the daemon stops as it would have here.
            CompletableFuture.allOf(tracker.reconcileAllAppended(true),
                    log.append(codec.draft("engine", started())).toCompletableFuture())
                    .whenComplete((done, failure) -> {
                        if (failure != null) {
                            fail("engine start: record the start: " + describe(failure));
                        }
                    });
        } catch (RuntimeException e) {
            String message = "engine start: " + describe(e);
            fail(message);
            throw new IllegalStateException(message, e);
        }
        consumers.add(vertx.eventBus().<String>consumer(BusAddresses.ENGINE_INFO, this::info));
        consumers.add(vertx.eventBus().<String>consumer(BusAddresses.ENGINE_PLUGINS, this::plugins));
        consumers.add(vertx.eventBus().<String>consumer(BusAddresses.ENGINE_NOTE, this::note));
        consumers.add(vertx.eventBus().<String>consumer(BusAddresses.ENGINE_AUDIT_VERIFY, this::verify));
        ImageService imageService = new ImageService(vertx, log, codec, projections, images, root);
        consumers.addAll(imageService.register());
        BusCalls calls = new BusCalls(vertx, log, codec);
        containerService = new ContainerService(vertx, calls, projections, containers, images, imageService,
                root, runDir, context.getProperty(DEFAULT_RUNTIME_PROPERTY));
        consumers.addAll(containerService.register());
        pluginManager = new PluginManager(context, vertx, calls, projections, plugins, containers,
                containerService::defaultRuntime, scr, root);
        consumers.addAll(pluginManager.register());
        consumers.addAll(new AuditService(vertx, log, codec, projections, containers, images, plugins, index, series)
                .register());
        settleTimer = vertx.setTimer(SETTLE_DELAY_MS, id -> vertx.executeBlocking(() -> {
            tracker.reconcileAll(false);
            return null;
        }));
        checkpointTimer = vertx.setPeriodic(CHECKPOINT_PERIOD_MS, id -> vertx.executeBlocking(() -> {
            writeCheckpoint();
            return null;
        }));
    }

    @Reference(service = IsolationModule.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindIsolationModule(ServiceReference<IsolationModule> reference, IsolationModule module) {
        Object id = reference.getProperty(PluginProperties.ID);
        IsolationTracker.Module entry = new IsolationTracker.Module(id == null ? module.getClass().getName()
                : id.toString(), IsolationModule.order(reference.getProperty(IsolationModule.ORDER)), module);
        // At once, on the binding thread: allocations must be restored before the module serves a new container.
        containerService.moduleAdded(reference, entry);
    }

    void unbindIsolationModule(ServiceReference<IsolationModule> reference) {
        ContainerService service = containerService;
        if (service != null) {
            service.moduleRemoved(reference);
        }
    }

    /** Registers {@code berth.fatal}: the daemon stops and says {@code message}. */
    private synchronized void fail(String message) {
        LOG.log(Level.ERROR, message);
        if (fatal == null && !stopped) {
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put(PluginProperties.FATAL, message);
            fatal = context.registerService(Object.class, new Object(), properties);
        }
    }

    private EngineStarted started() {
        List<String> builtins = Arrays.stream(property(PluginProperties.BUILTINS_PROPERTY, "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new EngineStarted(property(PluginProperties.VERSION_PROPERTY, "unknown"),
                ProcessHandle.current().pid(), root.toString(), runDir.toString(),
                System.getProperty("java.version"), probe.kernel(), builtins);
    }

    @Deactivate
    void deactivate() {
        vertx.cancelTimer(checkpointTimer);
        vertx.cancelTimer(settleTimer);
        pluginManager.stop();
        for (MessageConsumer<?> consumer : consumers) {
            consumer.unregister();
        }
        context.removeBundleListener(tracker);
        Bundle system = context.getBundle(0);
        String reason = system != null && system.getState() == Bundle.STOPPING ? "daemon shutdown"
                : "engine bundle stopped";
        try {
            long uptime = java.time.Duration.between(startedAt, Instant.now()).toMillis();
            await(log.append(codec.draft("engine", new EngineStopped(reason, uptime))).toCompletableFuture(),
                    "record engine stop");
        } catch (BerthException | RuntimeException e) {
            LOG.log(Level.ERROR, "engine stop: " + describe(e));
        }
        writeCheckpoint();
        try {
            projections.stop();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "stop following the log: " + e.getMessage());
        }
        index.stop();
        series.close();
        synchronized (this) {
            if (fatal != null) {
                fatal.unregister();
                fatal = null;
            }
            stopped = true;
        }
    }

    private void writeCheckpoint() {
        try {
            projections.checkpoint();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "write checkpoint: " + e.getMessage());
        }
    }

    private void info(Message<String> message) {
        vertx.<JsonObject>executeBlocking(this::infoJson).onComplete(ar -> {
            if (ar.succeeded()) {
                message.reply(ar.result().encode());
            } else {
                message.fail(ErrorKind.INTERNAL.httpStatus(), "info: " + ar.cause().getMessage());
            }
        });
    }

    JsonObject infoJson() throws IOException {
        HostFacts host = probe.probe();
        JsonArray runtimes = new JsonArray();
        for (HostFacts.Runtime runtime : host.runtimes()) {
            runtimes.add(new JsonObject().put("name", runtime.name()).put("path", runtime.path())
                    .put("version", runtime.version()).put("usable", runtime.usable())
                    .put("reason", runtime.reason()));
        }
        LogHead head = log.head();
        Path events = root.resolve("events");
        long segments = 0;
        long bytes = 0;
        if (Files.isDirectory(events)) {
            try (Stream<Path> files = Files.list(events)) {
                for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                    segments++;
                    bytes += Files.size(file);
                }
            }
        }
        Bundle[] bundles = context.getBundles();
        long active = Arrays.stream(bundles).filter(b -> b.getState() == Bundle.ACTIVE).count();
        return new JsonObject()
                .put("berthVersion", property(PluginProperties.VERSION_PROPERTY, "unknown"))
                .put("kernel", host.kernel())
                .put("os", host.os())
                .put("cgroup", new JsonObject().put("mode", host.cgroups().mode())
                        .put("unifiedMount", host.cgroups().unifiedMount())
                        .put("unifiedControllers", new JsonArray(host.cgroups().unifiedControllers())))
                .put("overlayfs", new JsonObject().put("supported", host.overlayfs()))
                .put("selinux", new JsonObject().put("state", host.selinux()))
                .put("userNamespaces", new JsonObject().put("supported", host.userNamespaces().supported())
                        .put("max", host.userNamespaces().max()))
                .put("runtimes", runtimes)
                .put("containers", containerService == null ? null : containerService.info())
                .put("root", root.toString())
                .put("runDir", runDir.toString())
                .put("api", "unix://" + runDir.resolve("berth.sock"))
                .put("pid", ProcessHandle.current().pid())
                .put("startedAt", startedAt.toString())
                .put("eventLog", new JsonObject()
                        .put("head", new JsonObject().put("sequence", head.sequence()).put("hash", head.hash().hex())
                                .put("time", head.sequence() == 0 ? null
                                        : Instant.ofEpochSecond(0, head.timeNanos()).toString()))
                        .put("segments", segments).put("bytes", bytes)
                        .put("projectionsAt", projections.applied())
                        .put("start", projections.startReport()))
                .put("bundles", new JsonObject().put("total", bundles.length).put("active", active));
    }

    private void plugins(Message<String> message) {
        vertx.executeBlocking(() -> {
            Set<String> configuredOn = specStageList("isolationModules");
            Set<String> configuredOff = specStageList("disabledIsolationModules");
            JsonObject isolation = new JsonObject();
            for (Bundle bundle : context.getBundles()) {
                JsonArray modules = isolationModules(bundle, configuredOn, configuredOff);
                if (!modules.isEmpty() && bundle.getSymbolicName() != null) {
                    isolation.put(bundle.getSymbolicName(), modules);
                }
            }
            return pluginManager.list(isolation);
        }, false).onComplete(ar -> BusCalls.answer(message, "plugins", ar));
    }

    /**
     * A list from the active spec stage's configuration ({@code isolationModules},
     * {@code disabledIsolationModules}), which DS publishes as service properties; empty when unset.
     */
    private Set<String> specStageList(String property) {
        try {
            ServiceReference<?>[] stages = context.getServiceReferences(SpecStage.class.getName(),
                    "(" + PluginProperties.STAGE + "=" + SpecStage.STAGE + ")");
            if (stages == null || stages.length == 0) {
                return Set.of();
            }
            Arrays.sort(stages);
            Object value = stages[stages.length - 1].getProperty(property); // the highest ranked serves
            Set<String> ids = new java.util.TreeSet<>();
            if (value instanceof String[] array) {
                ids.addAll(Arrays.asList(array));
            } else if (value != null) {
                Arrays.stream(value.toString().split(",")).map(String::trim).filter(v -> !v.isEmpty()).forEach(ids::add);
            }
            return ids;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException("spec stage filter", e);
        }
    }

    /**
     * The isolation modules a bundle registers: id, order, and whether a container gets it when it does not
     * name it (its own default, unless the spec stage's configuration says otherwise).
     */
    private static JsonArray isolationModules(Bundle bundle, Set<String> configuredOn, Set<String> configuredOff) {
        JsonArray modules = new JsonArray();
        ServiceReference<?>[] services = bundle.getRegisteredServices();
        if (services == null) {
            return modules;
        }
        for (ServiceReference<?> service : services) {
            if (!Arrays.asList((String[]) service.getProperty(Constants.OBJECTCLASS)).contains(IsolationModule.class.getName())) {
                continue;
            }
            String id = String.valueOf(service.getProperty(PluginProperties.ID));
            boolean own = IsolationModule.defaultOn(service.getProperty(IsolationModule.DEFAULT_ON));
            boolean on = (configuredOn.isEmpty() ? own : configuredOn.contains(id)) && !configuredOff.contains(id);
            JsonObject module = new JsonObject().put("id", id)
                    .put("order", IsolationModule.order(service.getProperty(IsolationModule.ORDER)))
                    .put("defaultOn", on).put("configured", on != own);
            modules.add(module);
        }
        return modules;
    }

    static String stateName(int state) {
        return switch (state) {
            case Bundle.ACTIVE -> "active";
            case Bundle.RESOLVED -> "resolved";
            case Bundle.INSTALLED -> "installed";
            case Bundle.STARTING -> "starting";
            case Bundle.STOPPING -> "stopping";
            default -> "uninstalled";
        };
    }

    private void note(Message<String> message) {
        String text;
        String subject;
        try {
            JsonObject body = new JsonObject(message.body());
            text = body.getString("message");
            subject = body.getString("subject", "note");
        } catch (RuntimeException e) {
            message.fail(ErrorKind.INVALID.httpStatus(), "note: " + e.getMessage());
            return;
        }
        try {
            log.append(codec.draft(subject, new NoteAdded(text))).whenComplete((record, failure) -> {
                if (failure != null) {
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    int status = cause instanceof BerthException b ? b.kind().httpStatus()
                            : ErrorKind.INTERNAL.httpStatus();
                    message.fail(status, "note: " + cause.getMessage());
                } else {
                    message.reply(receipt(record).encode());
                }
            });
        } catch (IllegalArgumentException e) {
            message.fail(ErrorKind.INVALID.httpStatus(), "note: " + e.getMessage());
        }
    }

    /** {@code berth audit verify}: the log's own check of every record's CRCs and the hash chain. */
    private void verify(Message<String> message) {
        new BusCalls(vertx, log, codec).serve(message, "audit verify", request -> {
            long from = request.getLong("from", 1L);
            if (from < 1) {
                throw new BerthException(ErrorKind.INVALID, "audit verify: --from " + from + ": sequences start at 1");
            }
            LogVerification result = log.verify(from);
            LogHead head = log.head();
            JsonObject answer = new JsonObject().put("intact", result.intact()).put("fromSequence", result.fromSequence())
                    .put("verifiedThrough", result.verifiedThrough()).put("head", result.head())
                    .put("headHash", head.sequence() == result.head() ? head.hash().hex() : null);
            answer.put("damage", result.damage().map(d -> new JsonObject().put("file", d.file())
                    .put("offset", d.offset()).put("sequence", d.sequence()).put("problem", d.problem()))
                    .orElse(null));
            return answer;
        });
    }

    private static JsonObject receipt(EventRecord record) {
        return new JsonObject().put("sequence", record.sequence()).put("hash", record.hash().hex());
    }

    private String property(String name, String fallback) {
        String value = context.getProperty(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future, String action) throws BerthException {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BerthException b) {
                throw b;
            }
            throw new BerthException(ErrorKind.INTERNAL, action + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": the event log did not acknowledge in 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": interrupted", e);
        }
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
