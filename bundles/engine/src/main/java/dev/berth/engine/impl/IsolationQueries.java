package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Capabilities;
import dev.berth.api.isolation.ModuleRecord;
import dev.berth.api.isolation.ResourceUsage;
import dev.berth.api.isolation.SpecField;
import dev.berth.engine.impl.ContainerProjection.Container;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The read-only container queries that go through isolation: {@code stats} (what the resource monitor
 * reads from each container's cgroup) and {@code caps} (the capability sets of a container's process
 * from {@code /proc/PID/status}, decoded, beside what its spec asked for and which module set them).
 * Thread-safe.
 */
final class IsolationQueries {
    /** The capability lines of /proc/PID/status and the spec's names for them. */
    private static final Map<String, String> SETS = orderedSets();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ContainerQueries queries;
    private final IsolationTracker tracker;
    private final Path proc;

    IsolationQueries(ContainerQueries queries, IsolationTracker tracker, Path proc) {
        this.queries = queries;
        this.tracker = tracker;
        this.proc = proc;
    }

    private static Map<String, String> orderedSets() {
        Map<String, String> sets = new LinkedHashMap<>();
        sets.put("CapBnd", "bounding");
        sets.put("CapEff", "effective");
        sets.put("CapPrm", "permitted");
        sets.put("CapInh", "inheritable");
        sets.put("CapAmb", "ambient");
        return sets;
    }

    /** {@code {"ids":[...]}} (empty: every running container) to one sample per running container. */
    JsonObject stats(JsonObject request) throws BerthException {
        List<Container> wanted = new ArrayList<>();
        JsonArray ids = request.getJsonArray("ids", new JsonArray());
        if (ids.isEmpty()) {
            wanted.addAll(queries.runningContainers());
        } else {
            for (int i = 0; i < ids.size(); i++) {
                Container c = queries.resolve(ids.getString(i));
                if (!queries.current(c.id()).running()) {
                    throw new BerthException(ErrorKind.CONFLICT, "stats: container " + c.name() + " is not running");
                }
                wanted.add(queries.current(c.id()));
            }
        }
        JsonArray samples = new JsonArray();
        for (Container c : wanted) {
            ResourceUsage usage;
            try {
                usage = tracker.usage(c);
            } catch (BerthException e) {
                if (!ids.isEmpty() || e.kind() != ErrorKind.NOT_FOUND) {
                    throw e;
                }
                continue; // listed as running a moment ago, its cgroup gone now: it just exited
            }
            samples.add(new JsonObject().put("id", c.id()).put("name", c.name())
                    .put("memoryBytes", usage.memoryBytes()).put("memoryLimit", usage.memoryLimit())
                    .put("cpuNanos", usage.cpuNanos()).put("pids", usage.pids()).put("pidsLimit", usage.pidsLimit()));
        }
        return new JsonObject().put("readAtNanos", System.nanoTime()).put("hostMemory", hostMemory())
                .put("cpus", Runtime.getRuntime().availableProcessors()).put("containers", samples);
    }

    /** {@code {"id"}} to the decoded capability sets of the running container's process. */
    JsonObject caps(JsonObject request) throws BerthException {
        Container c = queries.resolve(request.getString("id", ""));
        c = queries.current(c.id());
        if (!c.running()) {
            throw new BerthException(ErrorKind.CONFLICT, "caps: container " + c.name() + " is not running");
        }
        Map<String, String> status = status(c.pid());
        JsonNode asked = askedCapabilities(c);
        JsonObject sets = new JsonObject();
        for (Map.Entry<String, String> set : SETS.entrySet()) {
            String hex = status.get(set.getKey());
            if (hex == null) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "caps: /proc/" + c.pid() + "/status has no "
                        + set.getKey() + " line");
            }
            long mask = Capabilities.parseMask(hex);
            List<String> wantedNames = new ArrayList<>();
            asked.path("capabilities").path(set.getValue()).forEach(n -> wantedNames.add(n.asText()));
            sets.put(set.getValue(), new JsonObject().put("mask", hex).put("names", new JsonArray(Capabilities.decode(mask)))
                    .put("asked", new JsonArray(wantedNames)));
        }
        JsonObject answer = new JsonObject().put("id", c.id()).put("name", c.name()).put("pid", c.pid())
                .put("sets", sets).put("noNewPrivs", "1".equals(status.get("NoNewPrivs")))
                .put("noNewPrivsAsked", asked.path("noNewPrivileges").asBoolean(false));
        JsonArray setBy = new JsonArray();
        for (ModuleRecord module : c.modules()) {
            for (SpecField field : module.fields()) {
                if (field.pointer().startsWith("/process/capabilities") || field.pointer().equals("/process")) {
                    setBy.add(new JsonObject().put("module", module.id()).put("version", module.version())
                            .put("field", field.pointer()).put("reason", field.reason()));
                }
            }
        }
        return answer.put("setBy", setBy);
    }

    private JsonNode askedCapabilities(Container c) throws BerthException {
        Path config = ContainerQueries.containerDir(queries.root(), c.id()).resolve("config.json");
        try {
            return JSON.readTree(Files.readString(config)).path("process");
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "caps: read the spec " + config + ": " + e, e);
        }
    }

    private Map<String, String> status(int pid) throws BerthException {
        Path file = proc.resolve(Integer.toString(pid)).resolve("status");
        Map<String, String> fields = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "caps: read " + file + ": " + e, e);
        }
        return fields;
    }

    private long hostMemory() {
        try {
            for (String line : Files.readAllLines(proc.resolve("meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
