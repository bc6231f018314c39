package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.engine.impl.ContainerProjection.Container;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The read side of containers: which container a word names, and the answers of {@code ps}, {@code inspect},
 * {@code logs} and {@code top}, from the container projection, the runtime and /proc. Thread-safe: reads go
 * through {@link Projections#query}.
 */
final class ContainerQueries {
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");

    private final Projections projections;
    private final ContainerProjection containers;
    private final ContainerStages stages;
    private final Path root;
    private final ProcessFacts processes = new ProcessFacts(Path.of("/proc"));

    ContainerQueries(Projections projections, ContainerProjection containers, ContainerStages stages, Path root) {
        this.projections = projections;
        this.containers = containers;
        this.stages = stages;
        this.root = root;
    }

    /** The container an id, a unique id prefix or a name names (removed ones excluded). */
    Container resolve(String wanted) throws BerthException {
        if (wanted == null || wanted.isBlank()) {
            throw new BerthException(ErrorKind.INVALID, "no container given");
        }
        return resolveIn(projections.query(() -> containers.all().stream()
                .filter(c -> !c.status().equals("removed")).toList()), wanted);
    }

    /** The container among {@code live} that an id, a unique id prefix or a name names. */
    static Container resolveIn(List<Container> live, String wanted) throws BerthException {
        if (wanted == null || wanted.isBlank()) {
            throw new BerthException(ErrorKind.INVALID, "no container given");
        }
        for (Container c : live) {
            if (c.id().equals(wanted) || c.name().equals(wanted)) {
                return c;
            }
        }
        List<Container> prefixed = live.stream().filter(c -> c.id().startsWith(wanted)).toList();
        if (prefixed.size() == 1) {
            return prefixed.get(0);
        }
        if (prefixed.size() > 1) {
            throw new BerthException(ErrorKind.CONFLICT, "container id prefix \"" + wanted + "\" matches "
                    + prefixed.size() + " containers: " + String.join(", ", prefixed.stream()
                            .map(c -> c.id().substring(0, 12) + " (" + c.name() + ")").toList())
                    + ": give more characters");
        }
        throw new BerthException(ErrorKind.NOT_FOUND, "no such container: " + wanted);
    }

    /** The state root. */
    Path root() {
        return root;
    }

    /** Every running container, as the log says now. */
    List<Container> runningContainers() {
        return projections.query(() -> containers.all().stream().filter(Container::running).toList());
    }

    Container current(String id) throws BerthException {
        return projections.query(() -> containers.get(id)).orElseThrow(() -> new BerthException(ErrorKind.NOT_FOUND,
                "no such container: " + id));
    }

    JsonObject list(JsonObject request) {
        boolean all = request.getBoolean("all", false);
        boolean ns = request.getBoolean("ns", false);
        JsonArray array = new JsonArray();
        for (Container c : projections.query(containers::all)) {
            if (c.status().equals("removed") || (!all && !c.running())) {
                continue;
            }
            JsonObject summary = summary(c);
            if (ns) {
                summary.put("namespaces", c.running() ? processes.namespaces(c.pid()) : null);
            }
            array.add(summary);
        }
        return new JsonObject().put("containers", array);
    }

    static JsonObject summary(Container c) {
        return new JsonObject().put("id", c.id()).put("name", c.name()).put("image", c.image())
                .put("imageDigest", c.imageDigest()).put("command", new JsonArray(c.args()))
                .put("created", instant(c.createdTimeNanos())).put("status", c.status())
                .put("exitCode", c.exitCode()).put("oomKilled", c.oomKilled())
                .put("startedAt", c.startedTimeNanos() == 0 ? null : instant(c.startedTimeNanos()))
                .put("finishedAt", c.finishedTimeNanos() == 0 ? null : instant(c.finishedTimeNanos()))
                .put("pid", c.pid()).put("runtime", c.runtime()).put("options", ContainerJson.toJson(c.options()));
    }

    /**
     * Everything the log says of {@code c}: its summary plus spec digest, root filesystem, last signal and
     * exit reason, and what each isolation module set. What {@code inspect} shows, live or {@code --at} a
     * past sequence.
     */
    static JsonObject record(Container c) {
        return summary(c).put("autoRemove", c.autoRemove()).put("specDigest", c.specDigest())
                .put("rootfs", c.rootfs()).put("snapshotter", c.snapshotter()).put("mounted", c.mounted())
                .put("signal", c.signal()).put("exitReason", c.exitReason())
                .put("isolation", new JsonArray(c.modules().stream().map(ContainerJson::toJson).toList()));
    }

    JsonObject inspect(JsonObject request) throws BerthException {
        Container c = resolve(request.getString("id", ""));
        Path dir = containerDir(c.id());
        JsonObject answer = record(c).put("logPath", dir.resolve("container.log").toString())
                .put("bundle", dir.toString())
                .put("namespaces", c.running() ? processes.namespaces(c.pid()) : null);
        JsonObject state = new JsonObject().put("status", c.status()).put("running", c.running())
                .put("pid", c.pid()).put("exitCode", c.exitCode()).put("oomKilled", c.oomKilled())
                .put("startedAt", answer.getString("startedAt")).put("finishedAt", answer.getString("finishedAt"));
        if (c.running()) {
            state.put("runtimeState", ContainerJson.toJson(stages.state(c.runtime(), c.id())));
        }
        return answer.put("state", state);
    }

    JsonObject logs(JsonObject request) throws BerthException {
        Container c = resolve(request.getString("id", ""));
        return new JsonObject().put("id", c.id()).put("logPath", containerDir(c.id()).resolve("container.log")
                .toString()).put("running", current(c.id()).running()).put("tty", c.options().tty());
    }

    JsonObject top(JsonObject request) throws BerthException, IOException {
        Container c = resolve(request.getString("id", ""));
        if (!current(c.id()).running()) {
            throw new BerthException(ErrorKind.CONFLICT, "top: container " + c.name() + " is not running");
        }
        return processes.top(current(c.id()).pid());
    }

    private Path containerDir(String id) {
        return containerDir(root, id);
    }

    /** The folder of one container under {@code root}; an id that is not 64 hex digits is refused. */
    static Path containerDir(Path root, String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not a container id: " + id);
        }
        return root.resolve("containers").resolve(id);
    }

    /** A log time as RFC 3339. */
    static String instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos).toString();
    }
}
