package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.container.ContainerRuntime;
import dev.berth.api.container.CreateRequest;
import dev.berth.api.container.ExecRequest;
import dev.berth.api.container.ExitStatus;
import dev.berth.api.container.MountStage;
import dev.berth.api.container.MountedRootfs;
import dev.berth.api.container.SpecRequest;
import dev.berth.api.container.SpecStage;
import dev.berth.api.stage.ArchiveStage;
import dev.berth.api.stage.CommitStage;
import dev.berth.api.stage.PushStage;
import dev.berth.api.stage.ExpandRequest;
import dev.berth.api.stage.ExpandStage;
import java.util.Optional;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.SaveItem;
import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import dev.berth.api.stage.PullStage;
import dev.berth.api.stage.StageProgress;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import dev.berth.api.plugin.PluginProperties;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Puts the stages on the bus. Requests to {@code berth.stage.pull}, {@code .expand}, {@code .archive},
 * {@code .commit}, {@code .push}, {@code .mount} and {@code .spec} go to the implementation that serves that
 * stage when they arrive (the plugin chosen with {@code berth plugin use}, else the highest ranked);
 * requests to {@code berth.stage.run} name their runtime ({@code "runtime": "runc"}), as several runtimes
 * serve at once and each container stays with its own. The swap rules (a call stays on the implementation it started on, a leaving implementation
 * drains, calls wait for a replacement during an update) are {@link StageSlot}'s.
 *
 * <p>Fault isolation: each stage runs its calls on threads of its own, so a plugin that hangs cannot take
 * the threads of another stage; a call that throws something other than a {@link BerthException}, or shows
 * no sign of life for the stage timeout (progress reports count as life), is answered with an error naming
 * the plugin, its thread is interrupted, and the fault is published on {@link #STAGE_FAULT} for the engine
 * to log. Thread-safe.
 */
@Component(service = {}, immediate = true)
public final class StageBusComponent {
    private static final System.Logger LOG = System.getLogger("berth.engine.stages");
    /** Framework property: seconds a stage call may go without progress before it is abandoned (default 120). */
    static final String TIMEOUT_PROPERTY = "berth.stage.timeout";
    /** Framework property: seconds a call waits for a replacement while a stage's plugin is swapped (default 10). */
    static final String SWAP_WAIT_PROPERTY = "berth.stage.swap-wait";
    /** Local address: a stage call failed by a plugin fault; body {"plugin","version","stage","reason"}. */
    static final String STAGE_FAULT = "berth.stage.fault";
    /** Local address: make a plugin the one that serves a stage; body {"stage","plugin"} (plugin null: ranking). */
    static final String STAGE_CHOOSE = "berth.stage.choose";
    /** Local address: which implementation serves each stage; reply {"stages": {...}}. */
    static final String STAGE_ACTIVE = "berth.stage.active";
    /** Local address the engine answers with every stage choice the log holds; reply {"choices": {stage: plugin}}. */
    static final String ENGINE_STAGE_CHOICES = "berth.engine.stage.choices";
    /**
     * Prefix of the local address on which a pull with a {@code "feed"} id publishes its image (PulledImage
     * JSON) as soon as the pull stage knows it, so that the engine can start expanding its layers.
     */
    static final String PULL_RESOLVED_PREFIX = "berth.stage.pull.resolved.";
    /** Local bus address on which the name of each newly bound runtime is published. */
    static final String RUNTIME_BOUND = "berth.stage.run.bound";

    private final Vertx vertx;
    private final List<MessageConsumer<?>> consumers;
    private final long timeoutMillis;
    private final long swapWaitMillis;
    private final StageSlot<PullStage> pull = new StageSlot<>(PullStage.STAGE);
    private final StageSlot<ExpandStage> expand = new StageSlot<>(ExpandStage.STAGE);
    private final StageSlot<ArchiveStage> archive = new StageSlot<>(ArchiveStage.STAGE);
    private final StageSlot<CommitStage> commit = new StageSlot<>(CommitStage.STAGE);
    private final StageSlot<PushStage> push = new StageSlot<>(PushStage.STAGE);
    private final StageSlot<MountStage> mount = new StageSlot<>(MountStage.STAGE);
    private final StageSlot<SpecStage> spec = new StageSlot<>(SpecStage.STAGE);
    private final StageSlot<ContainerRuntime> run = new StageSlot<>(ContainerRuntime.STAGE);
    private final Map<String, ExecutorService> executors = new ConcurrentHashMap<>();
    private final BlobFeeds feeds;
    private final Set<Running> running = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            daemonThreads("berth-stage-watchdog"));

    @Activate
    public StageBusComponent(@Reference Vertx vertx, BundleContext context) {
        this.vertx = vertx;
        this.timeoutMillis = seconds(context.getProperty(TIMEOUT_PROPERTY), 120) * 1000;
        this.swapWaitMillis = seconds(context.getProperty(SWAP_WAIT_PROPERTY), 10) * 1000;
        StoreLayout store = new StoreLayout(PluginProperties.stateRoot(context::getProperty));
        this.feeds = new BlobFeeds(digest -> store.blob(digest.toString()));
        EventBus bus = vertx.eventBus();
        consumers = List.of(
                bus.<String>consumer(BusAddresses.stageAddress(PullStage.STAGE), this::onPull),
                bus.<String>consumer(BusAddresses.stageAddress(ExpandStage.STAGE), this::onExpand),
                bus.<String>consumer(BusAddresses.stageAddress(ArchiveStage.STAGE), this::onArchive),
                bus.<String>consumer(BusAddresses.stageAddress(CommitStage.STAGE), this::onCommit),
                bus.<String>consumer(BusAddresses.stageAddress(PushStage.STAGE), this::onPush),
                bus.<String>consumer(BusAddresses.stageAddress(MountStage.STAGE), this::onMount),
                bus.<String>consumer(BusAddresses.stageAddress(SpecStage.STAGE), this::onSpec),
                bus.<String>consumer(BusAddresses.stageAddress(ContainerRuntime.STAGE), this::onRun),
                bus.<String>localConsumer(STAGE_CHOOSE, m -> choose(new JsonObject(m.body()))),
                bus.<String>localConsumer(STAGE_ACTIVE, m -> m.reply(active().encode())));
        long period = Math.max(100, Math.min(1000, timeoutMillis / 4));
        watchdog.scheduleWithFixedDelay(this::abandonSilentCalls, period, period, TimeUnit.MILLISECONDS);
        // The engine may be up already (this component restarted alone); otherwise it sends its choices at start.
        bus.<String>request(ENGINE_STAGE_CHOICES, "{}").onSuccess(reply -> {
            JsonObject choices = new JsonObject(reply.body()).getJsonObject("choices", new JsonObject());
            choices.forEach(e -> choose(new JsonObject().put("stage", e.getKey()).put("plugin", e.getValue())));
        });
    }

    private static long seconds(String value, long fallback) {
        try {
            // At most a day: a stage call that shows no life for longer is hung whatever the stage.
            return value == null || value.isBlank() ? fallback : Math.min(86_400, Math.max(1, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            LOG.log(Level.WARNING, "stage timing property \"" + value + "\" is not a number of seconds; using "
                    + fallback);
            return fallback;
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    // ---- the implementations present -----------------------------------------------------------------

    private static <T> StageSlot.Impl<T> impl(T service, ServiceReference<?> reference, String name) {
        Bundle bundle = reference.getBundle();
        String plugin = bundle == null ? String.valueOf(reference.getProperty(PluginProperties.ID))
                : bundle.getSymbolicName();
        String version = bundle == null ? "unknown" : bundle.getVersion().toString();
        Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
        return new StageSlot.Impl<>(service, plugin, version, name == null ? plugin : name,
                ranking instanceof Integer r ? r : 0, (Long) reference.getProperty(Constants.SERVICE_ID));
    }

    private <T> void left(StageSlot<T> slot, T service) {
        int stillUnderWay = slot.remove(service, timeoutMillis);
        if (stillUnderWay > 0) {
            LOG.log(Level.WARNING, slot.stage() + " stage: an implementation left with " + stillUnderWay
                    + " call(s) still under way after " + timeoutMillis / 1000 + " s");
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=pull)")
    void bindPull(PullStage service, ServiceReference<PullStage> reference) {
        pull.add(impl(service, reference, null));
    }

    void unbindPull(PullStage service) {
        left(pull, service);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=expand)")
    void bindExpand(ExpandStage service, ServiceReference<ExpandStage> reference) {
        expand.add(impl(service, reference, null));
    }

    void unbindExpand(ExpandStage service) {
        left(expand, service);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=archive)")
    void bindArchive(ArchiveStage service, ServiceReference<ArchiveStage> reference) {
        archive.add(impl(service, reference, null));
    }

    void unbindArchive(ArchiveStage service) {
        left(archive, service);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=commit)")
    void bindCommit(CommitStage service, ServiceReference<CommitStage> reference) {
        commit.add(impl(service, reference, null));
    }

    void unbindCommit(CommitStage service) {
        left(commit, service);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=push)")
    void bindPush(PushStage service, ServiceReference<PushStage> reference) {
        push.add(impl(service, reference, null));
    }

    void unbindPush(PushStage service) {
        left(push, service);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=mount)")
    void bindMount(MountStage service, ServiceReference<MountStage> reference) {
        mount.add(impl(service, reference, null));
    }

    void unbindMount(MountStage service) {
        left(mount, service);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=spec)")
    void bindSpec(SpecStage service, ServiceReference<SpecStage> reference) {
        spec.add(impl(service, reference, null));
    }

    void unbindSpec(SpecStage service) {
        left(spec, service);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=run)")
    void bindRuntime(ContainerRuntime runtime, ServiceReference<ContainerRuntime> reference) {
        Object property = reference.getProperty(ContainerRuntime.NAME_PROPERTY);
        String name = property == null ? runtime.name() : property.toString();
        run.add(impl(runtime, reference, name));
        // Lets the container service re-adopt the containers this runtime holds.
        vertx.eventBus().publish(RUNTIME_BOUND, name);
    }

    void unbindRuntime(ContainerRuntime runtime) {
        left(run, runtime);
    }

    private List<StageSlot<?>> slots() {
        return List.of(pull, expand, archive, commit, push, mount, spec, run);
    }

    private void choose(JsonObject order) {
        String stage = order.getString("stage", "");
        for (StageSlot<?> slot : slots()) {
            if (slot.stage().equals(stage) && slot != run) {
                slot.choose(order.getString("plugin"));
            }
        }
    }

    /** Which implementation serves each stage, which are present, and what is under way. */
    JsonObject active() {
        JsonObject stages = new JsonObject();
        for (StageSlot<?> slot : slots()) {
            JsonArray present = new JsonArray();
            for (StageSlot.Impl<?> impl : slot.present()) {
                present.add(new JsonObject().put("plugin", impl.plugin()).put("version", impl.version())
                        .put("name", impl.name()).put("ranking", impl.ranking()));
            }
            JsonObject entry = new JsonObject().put("present", present).put("chosen", slot.chosen())
                    .put("underWay", slot.underWay()).put("waitedForSwap", new JsonObject()
                            .put("calls", slot.waitedCalls()).put("longestMs", slot.longestWaitMillis()));
            if (slot != run) {
                slot.active().ifPresent(impl -> entry.put("active", new JsonObject().put("plugin", impl.plugin())
                        .put("version", impl.version())));
            }
            stages.put(slot.stage(), entry);
        }
        return new JsonObject().put("stages", stages);
    }

    // ---- the stages' requests ------------------------------------------------------------------------

    private StageProgress progress(JsonObject request, Running call) {
        String address = request.getString("progress");
        if (address == null || !address.startsWith(BusAddresses.PROGRESS_PREFIX)) {
            return (item, status, current, total) -> call.touch();
        }
        EventBus bus = vertx.eventBus();
        return (item, status, current, total) -> {
            call.touch();
            bus.publish(address, new JsonObject().put("id", item).put("status", status).put("current", current)
                    .put("total", total).encode());
        };
    }

    private void onPull(Message<String> message) {
        serve(message, pull, null, (stage, request, call) -> {
            if ("login".equals(request.getString("op"))) {
                Set<String> insecure = new HashSet<>();
                request.getJsonArray("insecure", new JsonArray()).forEach(v -> insecure.add(String.valueOf(v)));
                stage.login(request.getString("registry"), request.getString("username"),
                        request.getString("password"), insecure);
                return new JsonObject();
            }
            String feedId = request.getString("feed");
            if (feedId == null) {
                return StageJson.pulled(stage.pull(StageJson.pullRequest(request), progress(request, call)));
            }
            // A streaming pull: the image, once known, goes to the engine, and each layer blob's progress to the
            // expand calls reading it; when this call ends, so does every blob it left open.
            String resolved = PULL_RESOLVED_PREFIX + feedId;
            BlobFeeds.Feed feed = feeds.open(feedId,
                    image -> vertx.eventBus().publish(resolved, StageJson.pulled(image).encode()));
            String failure = "the pull stage ended abnormally";
            try {
                JsonObject answer = StageJson.pulled(stage.pull(StageJson.pullRequest(request), progress(request, call),
                        feed));
                failure = null;
                return answer;
            } catch (BerthException e) {
                failure = e.getMessage();
                throw e;
            } finally {
                feed.end(failure);
            }
        });
    }

    private void onExpand(Message<String> message) {
        serve(message, expand, null, (stage, request, call) -> {
            ExpandRequest expandRequest = StageJson.expandRequest(request);
            Optional<BlobFeeds.Feed> feed = feeds.find(request.getString("feed"));
            if (feed.isEmpty()) {
                // No pull under way for it (or it has ended): the blob is in the store, or nowhere.
                return StageJson.expanded(stage.expand(expandRequest, progress(request, call)));
            }
            // While it waits for bytes of a pull under way, the call shows the pull's life as its own.
            return StageJson.expanded(stage.expand(expandRequest,
                    feed.get().blob(expandRequest.layer()).view(call::touch), progress(request, call)));
        });
    }

    private void onArchive(Message<String> message) {
        serve(message, archive, null, (stage, request, call) -> {
            if ("save".equals(request.getString("op"))) {
                List<SaveItem> items = new ArrayList<>();
                request.getJsonArray("images").forEach(i -> items.add(StageJson.saveItem((JsonObject) i)));
                stage.save(items, Path.of(request.getString("target")), request.getString("format"),
                        progress(request, call));
                return new JsonObject();
            }
            JsonArray images = new JsonArray();
            for (LoadedImage image : stage.load(Path.of(request.getString("archive")), progress(request, call))) {
                images.add(StageJson.loaded(image));
            }
            return new JsonObject().put("images", images);
        });
    }

    private void onCommit(Message<String> message) {
        serve(message, commit, null, (stage, request, call) -> StageJson.loaded(stage.build(
                StageJson.buildRequest(request), progress(request, call))));
    }

    private void onPush(Message<String> message) {
        serve(message, push, null, (stage, request, call) -> StageJson.pushed(stage.push(
                StageJson.pushRequest(request), progress(request, call))));
    }

    private void onMount(Message<String> message) {
        serve(message, mount, null, (stage, request, call) -> {
            String id = request.getString("id");
            switch (request.getString("op", "")) {
                case "snapshotter" -> {
                    return new JsonObject().put("snapshotter", stage.snapshotter());
                }
                case "mount" -> {
                    return ContainerJson.toJson(stage.mount(id, layers(request), request.getBoolean("scratch", false)));
                }
                case "unmount" -> stage.unmount(id);
                case "remove" -> stage.remove(id);
                case "changes" -> {
                    JsonArray all = new JsonArray();
                    stage.changes(id, layers(request)).forEach(c -> all.add(ContainerJson.toJson(c)));
                    return new JsonObject().put("changes", all);
                }
                case "writeChanges" -> {
                    return ContainerJson.toJson(stage.writeChanges(id, layers(request),
                            Path.of(request.getString("target"))));
                }
                case "export" -> {
                    return ContainerJson.toJson(stage.export(id, layers(request), Path.of(request.getString("target"))));
                }
                case "list" -> {
                    JsonArray all = new JsonArray();
                    for (MountedRootfs rootfs : stage.list()) {
                        all.add(ContainerJson.toJson(rootfs));
                    }
                    return new JsonObject().put("mounts", all);
                }
                default -> throw new IllegalArgumentException("unknown op " + request.getString("op"));
            }
            return new JsonObject();
        });
    }

    private static List<String> layers(JsonObject request) {
        List<String> layers = new ArrayList<>();
        request.getJsonArray("layers", new JsonArray()).forEach(l -> layers.add(String.valueOf(l)));
        return layers;
    }

    private void onSpec(Message<String> message) {
        serve(message, spec, null, (stage, request, call) -> {
            SpecRequest specRequest = ContainerJson.fromJson(request.getJsonObject("request"), SpecRequest.class);
            if ("check".equals(request.getString("op"))) {
                stage.check(specRequest);
                return new JsonObject();
            }
            return ContainerJson.toJson(stage.generate(specRequest));
        });
    }

    private void onRun(Message<String> message) {
        JsonObject peek;
        try {
            peek = new JsonObject(message.body());
        } catch (RuntimeException e) {
            message.fail(ErrorKind.INVALID.httpStatus(), "run stage: " + e.getMessage());
            return;
        }
        if ("runtimes".equals(peek.getString("op"))) {
            executor(run).execute(() -> {
                JsonArray all = new JsonArray();
                java.util.Map<String, StageSlot.Impl<ContainerRuntime>> byName = new TreeMap<>();
                run.present().forEach(impl -> byName.put(impl.name(), impl));
                for (StageSlot.Impl<ContainerRuntime> impl : byName.values()) {
                    try {
                        all.add(ContainerJson.toJson(impl.service().info()));
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "runtime " + impl.name() + " (" + impl.describe() + ") info: " + e);
                    }
                }
                message.reply(new JsonObject().put("runtimes", all).encode());
            });
            return;
        }
        serve(message, run, peek.getString("runtime", ""), (runtime, request, call) -> {
            String id = request.getString("id");
            switch (request.getString("op", "")) {
                case "create" -> {
                    return new JsonObject().put("pid", runtime.create(
                            ContainerJson.fromJson(request.getJsonObject("request"), CreateRequest.class)));
                }
                case "attachSocket" -> {
                    return new JsonObject().put("socket", runtime.attachSocket(id));
                }
                case "start" -> {
                    return new JsonObject().put("pid", runtime.startProcess(id));
                }
                case "pause" -> runtime.pause(id);
                case "resume" -> runtime.resume(id);
                case "state" -> {
                    return ContainerJson.toJson(runtime.state(id));
                }
                case "kill" -> runtime.kill(id, request.getInteger("signal"));
                case "exitStatus" -> {
                    ExitStatus status = runtime.exitStatus(id);
                    return new JsonObject().put("exit", status == null ? null : ContainerJson.toJson(status));
                }
                case "delete" -> runtime.delete(id, request.getBoolean("force", false));
                case "exec" -> {
                    return new JsonObject().put("socket", runtime.exec(
                            ContainerJson.fromJson(request.getJsonObject("request"), ExecRequest.class)));
                }
                case "list" -> {
                    return new JsonObject().put("ids", new JsonArray(runtime.list()));
                }
                case "info" -> {
                    return ContainerJson.toJson(runtime.info());
                }
                default -> throw new IllegalArgumentException("unknown op " + request.getString("op"));
            }
            return new JsonObject();
        });
    }

    // ---- running one call ----------------------------------------------------------------------------

    /** One stage call on the implementation it leased. */
    private interface Call<T> {
        JsonObject run(T stage, JsonObject request, Running call) throws BerthException;
    }

    /** A call under way: its message, its thread, and when it last showed life. Answered exactly once. */
    final class Running {
        private final Message<String> message;
        private final String stage;
        private final StageSlot.Impl<?> impl;
        private final Thread thread;
        private final AtomicBoolean answered = new AtomicBoolean();
        private volatile long lastLifeNanos = System.nanoTime();

        Running(Message<String> message, String stage, StageSlot.Impl<?> impl, Thread thread) {
            this.message = message;
            this.stage = stage;
            this.impl = impl;
            this.thread = thread;
        }

        void touch() {
            lastLifeNanos = System.nanoTime();
        }

        /** True for the one caller that may answer the message. */
        boolean claim() {
            return answered.compareAndSet(false, true);
        }
    }

    private ExecutorService executor(StageSlot<?> slot) {
        return executors.computeIfAbsent(slot.stage(),
                stage -> Executors.newCachedThreadPool(daemonThreads("berth-stage-" + stage)));
    }

    private <T> void serve(Message<String> message, StageSlot<T> slot, String name, Call<T> call) {
        JsonObject request;
        try {
            request = new JsonObject(message.body());
        } catch (RuntimeException e) {
            message.fail(ErrorKind.INVALID.httpStatus(), slot.stage() + " stage: " + e.getMessage());
            return;
        }
        try {
            executor(slot).execute(() -> serveOn(message, slot, name, call, request));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            message.fail(ErrorKind.UNAVAILABLE.httpStatus(), slot.stage() + " stage: the engine is stopping");
        }
    }

    private <T> void serveOn(Message<String> message, StageSlot<T> slot, String name, Call<T> call,
            JsonObject request) {
        String what = slot.stage() + " stage";
        StageSlot<T>.Lease lease;
        try {
            lease = slot.acquire(name, swapWaitMillis);
        } catch (BerthException e) {
            message.fail(e.kind().httpStatus(), e.getMessage());
            return;
        }
        try (lease) {
            StageSlot.Impl<T> impl = lease.impl();
            Running running = new Running(message, slot.stage(), impl, Thread.currentThread());
            this.running.add(running);
            try {
                JsonObject result = call.run(impl.service(), request, running);
                if (running.claim()) {
                    message.reply(result.encode());
                }
            } catch (BerthException | IllegalArgumentException e) {
                if (running.claim()) {
                    BusCalls.fail(message, what, e);
                }
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                if (running.claim()) {
                    String reason = what + ": " + impl.describe() + " failed: " + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage());
                    LOG.log(Level.WARNING, reason, e);
                    fault(impl, slot.stage(), reason);
                    message.fail(ErrorKind.INTERNAL.httpStatus(), reason);
                }
            } finally {
                this.running.remove(running);
                Thread.interrupted(); // a late interrupt from the watchdog must not reach the next call
            }
        }
    }

    /** Answers and interrupts every call that has shown no life for the stage timeout. */
    private void abandonSilentCalls() {
        long now = System.nanoTime();
        for (Running call : running) {
            if ((now - call.lastLifeNanos) / 1_000_000 < timeoutMillis || !call.claim()) {
                continue;
            }
            // Never let one call's trouble end the watchdog: a scheduled task that throws is not run again.
            try {
                String reason = call.stage + " stage: " + call.impl.describe() + " did not answer in "
                        + timeoutMillis / 1000 + " s; the call was abandoned";
                LOG.log(Level.WARNING, reason);
                call.thread.interrupt();
                call.message.fail(ErrorKind.UNAVAILABLE.httpStatus(), reason);
                fault(call.impl, call.stage, reason);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "abandon a silent " + call.stage + " call: " + e, e);
            }
        }
    }

    private void fault(StageSlot.Impl<?> impl, String stage, String reason) {
        vertx.eventBus().publish(STAGE_FAULT, new JsonObject().put("plugin", impl.plugin())
                .put("version", impl.version()).put("stage", stage).put("reason", reason).encode());
    }

    @Deactivate
    void deactivate() {
        consumers.forEach(MessageConsumer::unregister);
        watchdog.shutdownNow();
        executors.values().forEach(ExecutorService::shutdown);
    }
}
