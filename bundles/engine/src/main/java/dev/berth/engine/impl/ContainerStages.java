package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.container.ContainerRuntime;
import dev.berth.api.container.CreateRequest;
import dev.berth.api.container.ExecRequest;
import dev.berth.api.container.ExitStatus;
import dev.berth.api.container.FileChange;
import dev.berth.api.container.LayerTar;
import dev.berth.api.container.GeneratedSpec;
import dev.berth.api.container.MountStage;
import dev.berth.api.container.MountedRootfs;
import dev.berth.api.container.RuntimeInfo;
import dev.berth.api.container.RuntimeState;
import dev.berth.api.container.SpecRequest;
import dev.berth.api.container.SpecStage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed calls to the mount, spec and run stages over the bus, for the container service. Each call is
 * blocking (worker threads only) and bounded by a timeout. Thread-safe.
 */
final class ContainerStages {
    private static final long TIMEOUT_MS = 120_000;

    private final BusCalls calls;

    ContainerStages(BusCalls calls) {
        this.calls = calls;
    }

    private JsonObject mountCall(JsonObject body) throws BerthException {
        return calls.request(BusAddresses.stageAddress(MountStage.STAGE), "mount stage", body, TIMEOUT_MS);
    }

    String snapshotter() throws BerthException {
        return mountCall(new JsonObject().put("op", "snapshotter")).getString("snapshotter");
    }

    /** Mounts the root filesystem of {@code id}; {@code scratch} for a container removed when it exits. */
    MountedRootfs mount(String id, List<String> layers, boolean scratch) throws BerthException {
        JsonObject body = new JsonObject().put("op", "mount").put("id", id).put("layers", new JsonArray(layers));
        if (scratch) {
            body.put("scratch", true);
        }
        return ContainerJson.fromJson(mountCall(body), MountedRootfs.class);
    }

    void unmount(String id) throws BerthException {
        mountCall(new JsonObject().put("op", "unmount").put("id", id));
    }

    void removeRootfs(String id) throws BerthException {
        sendRemoveRootfs(id).await();
    }

    /** Starts removing a root filesystem and returns at once: the mount stage works while the caller does. */
    BusCalls.Reply sendRemoveRootfs(String id) {
        return calls.send(BusAddresses.stageAddress(MountStage.STAGE), "mount stage",
                new JsonObject().put("op", "remove").put("id", id), TIMEOUT_MS);
    }

    List<FileChange> changes(String id, List<String> layers) throws BerthException {
        List<FileChange> all = new ArrayList<>();
        for (Object entry : mountCall(new JsonObject().put("op", "changes").put("id", id)
                .put("layers", new JsonArray(layers))).getJsonArray("changes", new JsonArray())) {
            all.add(ContainerJson.fromJson((JsonObject) entry, FileChange.class));
        }
        return all;
    }

    LayerTar writeChanges(String id, List<String> layers, Path target) throws BerthException {
        return ContainerJson.fromJson(mountCall(new JsonObject().put("op", "writeChanges").put("id", id)
                .put("layers", new JsonArray(layers)).put("target", target.toString())), LayerTar.class);
    }

    LayerTar export(String id, List<String> layers, Path target) throws BerthException {
        return ContainerJson.fromJson(mountCall(new JsonObject().put("op", "export").put("id", id)
                .put("layers", new JsonArray(layers)).put("target", target.toString())), LayerTar.class);
    }

    List<MountedRootfs> mounts() throws BerthException {
        List<MountedRootfs> all = new ArrayList<>();
        for (Object entry : mountCall(new JsonObject().put("op", "list")).getJsonArray("mounts", new JsonArray())) {
            all.add(ContainerJson.fromJson((JsonObject) entry, MountedRootfs.class));
        }
        return all;
    }

    /** Asks the spec stage to refuse bad options before anything exists for the container. */
    void checkSpec(SpecRequest request) throws BerthException {
        calls.request(BusAddresses.stageAddress(SpecStage.STAGE), "spec stage",
                new JsonObject().put("op", "check").put("request", ContainerJson.toJson(request)), TIMEOUT_MS);
    }

    GeneratedSpec spec(SpecRequest request) throws BerthException {
        return ContainerJson.fromJson(calls.request(BusAddresses.stageAddress(SpecStage.STAGE), "spec stage",
                new JsonObject().put("request", ContainerJson.toJson(request)), TIMEOUT_MS), GeneratedSpec.class);
    }

    private JsonObject run(String runtime, String op, JsonObject body) throws BerthException {
        return sendRun(runtime, op, body).await();
    }

    private BusCalls.Reply sendRun(String runtime, String op, JsonObject body) {
        return calls.send(BusAddresses.stageAddress(ContainerRuntime.STAGE), "runtime " + runtime,
                body.put("op", op).put("runtime", runtime), TIMEOUT_MS);
    }

    List<RuntimeInfo> runtimes() throws BerthException {
        List<RuntimeInfo> all = new ArrayList<>();
        JsonObject reply = calls.request(BusAddresses.stageAddress(ContainerRuntime.STAGE), "run stage",
                new JsonObject().put("op", "runtimes"), TIMEOUT_MS);
        for (Object entry : reply.getJsonArray("runtimes", new JsonArray())) {
            all.add(ContainerJson.fromJson((JsonObject) entry, RuntimeInfo.class));
        }
        return all;
    }

    RuntimeInfo info(String runtime) throws BerthException {
        return ContainerJson.fromJson(run(runtime, "info", new JsonObject()), RuntimeInfo.class);
    }

    int create(String runtime, CreateRequest request) throws BerthException {
        return run(runtime, "create", new JsonObject().put("request", ContainerJson.toJson(request))).getInteger("pid");
    }

    String attachSocket(String runtime, String id) throws BerthException {
        return run(runtime, "attachSocket", new JsonObject().put("id", id)).getString("socket");
    }

    /** Starts a created container; returns its init pid, or 0 when the one its create returned stands. */
    int start(String runtime, String id) throws BerthException {
        Integer pid = run(runtime, "start", new JsonObject().put("id", id)).getInteger("pid");
        return pid == null ? 0 : pid;
    }

    void pause(String runtime, String id) throws BerthException {
        run(runtime, "pause", new JsonObject().put("id", id));
    }

    void resume(String runtime, String id) throws BerthException {
        run(runtime, "resume", new JsonObject().put("id", id));
    }

    RuntimeState state(String runtime, String id) throws BerthException {
        return ContainerJson.fromJson(run(runtime, "state", new JsonObject().put("id", id)), RuntimeState.class);
    }

    void kill(String runtime, String id, int signal) throws BerthException {
        run(runtime, "kill", new JsonObject().put("id", id).put("signal", signal));
    }

    ExitStatus exitStatus(String runtime, String id) throws BerthException {
        return ContainerJson.fromJson(run(runtime, "exitStatus", new JsonObject().put("id", id)).getJsonObject("exit"),
                ExitStatus.class);
    }

    void delete(String runtime, String id, boolean force) throws BerthException {
        sendDelete(runtime, id, force).await();
    }

    /** Starts a delete and returns at once: the runtime plugin deletes on its own threads while the caller works. */
    BusCalls.Reply sendDelete(String runtime, String id, boolean force) {
        return sendRun(runtime, "delete", new JsonObject().put("id", id).put("force", force));
    }

    String exec(String runtime, ExecRequest request) throws BerthException {
        return run(runtime, "exec", new JsonObject().put("request", ContainerJson.toJson(request))).getString("socket");
    }
}
