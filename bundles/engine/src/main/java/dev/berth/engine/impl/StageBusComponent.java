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
import dev.berth.api.stage.ExpandStage;
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
 * Puts the active implementation of each stage SPI on the bus: requests to {@code berth.stage.pull},
 * {@code .expand}, {@code .archive}, {@code .mount} and {@code .spec} go to the highest-ranked service of
 * that stage at the moment they arrive, so a plugin can be swapped while the engine runs; requests to
 * {@code berth.stage.run} name their runtime ({@code "runtime": "runc"}), as several runtimes are active
 * at once and each container stays with its own. With none active the stage answers 503 naming it. Thread-safe: references are volatile and swapped by SCR.
 */
@Component(service = {}, immediate = true)
public final class StageBusComponent {
    private final Vertx vertx;
    private final List<MessageConsumer<?>> consumers;
    /**
     * Stage calls run on a pool of their own: engine operations wait for them on the default worker
     * pool, and must never be able to take every thread a stage call needs.
     */
    private final io.vertx.core.WorkerExecutor stageWorkers;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=pull)")
    private volatile PullStage pull;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=expand)")
    private volatile ExpandStage expand;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=archive)")
    private volatile ArchiveStage archive;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=mount)")
    private volatile MountStage mount;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=spec)")
    private volatile SpecStage spec;

    /** Every runtime plugin by its {@code berth.runtime} name; several are active at once. */
    private final Map<String, ContainerRuntime> runtimes = new TreeMap<>();

    @Activate
    public StageBusComponent(@Reference Vertx vertx) {
        this.vertx = vertx;
        this.stageWorkers = vertx.createSharedWorkerExecutor("berth-stages", 32);
        EventBus bus = vertx.eventBus();
        consumers = List.of(
                bus.<String>consumer(BusAddresses.stageAddress(PullStage.STAGE), this::onPull),
                bus.<String>consumer(BusAddresses.stageAddress(ExpandStage.STAGE), this::onExpand),
                bus.<String>consumer(BusAddresses.stageAddress(ArchiveStage.STAGE), this::onArchive),
                bus.<String>consumer(BusAddresses.stageAddress(MountStage.STAGE), this::onMount),
                bus.<String>consumer(BusAddresses.stageAddress(SpecStage.STAGE), this::onSpec),
                bus.<String>consumer(BusAddresses.stageAddress(ContainerRuntime.STAGE), this::onRun));
    }

    private StageProgress progress(JsonObject request) {
        String address = request.getString("progress");
        if (address == null || !address.startsWith(BusAddresses.PROGRESS_PREFIX)) {
            return StageProgress.NONE;
        }
        EventBus bus = vertx.eventBus();
        return (item, status, current, total) -> bus.publish(address, new JsonObject().put("id", item)
                .put("status", status).put("current", current).put("total", total).encode());
    }

    private void onPull(Message<String> message) {
        PullStage stage = pull;
        serve(message, PullStage.STAGE, stage == null ? null : request -> {
            if ("login".equals(request.getString("op"))) {
                Set<String> insecure = new HashSet<>();
                request.getJsonArray("insecure", new JsonArray()).forEach(v -> insecure.add(String.valueOf(v)));
                stage.login(request.getString("registry"), request.getString("username"),
                        request.getString("password"), insecure);
                return new JsonObject();
            }
            return StageJson.pulled(stage.pull(StageJson.pullRequest(request), progress(request)));
        });
    }

    private void onExpand(Message<String> message) {
        ExpandStage stage = expand;
        serve(message, ExpandStage.STAGE, stage == null ? null : request -> StageJson.expanded(
                stage.expand(StageJson.expandRequest(request), progress(request))));
    }

    private void onArchive(Message<String> message) {
        ArchiveStage stage = archive;
        serve(message, ArchiveStage.STAGE, stage == null ? null : request -> {
            if ("save".equals(request.getString("op"))) {
                List<SaveItem> items = new ArrayList<>();
                request.getJsonArray("images").forEach(i -> items.add(StageJson.saveItem((JsonObject) i)));
                stage.save(items, Path.of(request.getString("target")), request.getString("format"), progress(request));
                return new JsonObject();
            }
            JsonArray images = new JsonArray();
            for (LoadedImage image : stage.load(Path.of(request.getString("archive")), progress(request))) {
                images.add(StageJson.loaded(image));
            }
            return new JsonObject().put("images", images);
        });
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=run)")
    void bindRuntime(ContainerRuntime runtime, Map<String, Object> properties) {
        String name = String.valueOf(properties.getOrDefault(ContainerRuntime.NAME_PROPERTY, runtime.name()));
        synchronized (runtimes) {
            runtimes.put(name, runtime);
        }
        // Lets the container service re-adopt the containers this runtime holds.
        vertx.eventBus().publish(RUNTIME_BOUND, name);
    }

    void unbindRuntime(ContainerRuntime runtime, Map<String, Object> properties) {
        String name = String.valueOf(properties.getOrDefault(ContainerRuntime.NAME_PROPERTY, runtime.name()));
        synchronized (runtimes) {
            runtimes.remove(name, runtime);
        }
    }

    /** Local bus address on which the name of each newly bound runtime is published. */
    static final String RUNTIME_BOUND = "berth.stage.run.bound";

    private void onMount(Message<String> message) {
        MountStage stage = mount;
        serve(message, MountStage.STAGE, stage == null ? null : request -> {
            String id = request.getString("id");
            switch (request.getString("op", "")) {
                case "snapshotter" -> {
                    return new JsonObject().put("snapshotter", stage.snapshotter());
                }
                case "mount" -> {
                    List<String> layers = new ArrayList<>();
                    request.getJsonArray("layers", new JsonArray()).forEach(l -> layers.add(String.valueOf(l)));
                    return ContainerJson.toJson(stage.mount(id, layers));
                }
                case "unmount" -> stage.unmount(id);
                case "remove" -> stage.remove(id);
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

    private void onSpec(Message<String> message) {
        SpecStage stage = spec;
        serve(message, SpecStage.STAGE, stage == null ? null : request -> {
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
            JsonArray all = new JsonArray();
            synchronized (runtimes) {
                runtimes.values().forEach(r -> all.add(ContainerJson.toJson(r.info())));
            }
            message.reply(new JsonObject().put("runtimes", all).encode());
            return;
        }
        String name = peek.getString("runtime", "");
        ContainerRuntime runtime;
        synchronized (runtimes) {
            runtime = runtimes.get(name);
        }
        if (runtime == null) {
            message.fail(ErrorKind.UNAVAILABLE.httpStatus(), "no runtime plugin named \"" + name
                    + "\" is active: install or start it (berth runtime ls, berth plugins)");
            return;
        }
        serve(message, ContainerRuntime.STAGE, request -> {
            String id = request.getString("id");
            switch (request.getString("op", "")) {
                case "create" -> {
                    return new JsonObject().put("pid", runtime.create(
                            ContainerJson.fromJson(request.getJsonObject("request"), CreateRequest.class)));
                }
                case "attachSocket" -> {
                    return new JsonObject().put("socket", runtime.attachSocket(id));
                }
                case "start" -> runtime.start(id);
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

    /** One stage call: decode, run on a worker thread, reply with the result or a failure code. */
    private interface Call {
        JsonObject run(JsonObject request) throws BerthException;
    }

    private void serve(Message<String> message, String stage, Call call) {
        if (call == null) {
            message.fail(ErrorKind.UNAVAILABLE.httpStatus(), "no " + stage + " stage is active: install or start a "
                    + stage + " plugin (berth plugins)");
            return;
        }
        stageWorkers.executeBlocking(() -> call.run(new JsonObject(message.body())), false)
                .onComplete(ar -> BusCalls.answer(message, stage + " stage", ar));
    }

    @Deactivate
    void deactivate() {
        consumers.forEach(MessageConsumer::unregister);
        stageWorkers.close();
    }
}
