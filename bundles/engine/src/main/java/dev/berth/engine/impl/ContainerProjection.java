package dev.berth.engine.impl;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.container.RunOptions;
import dev.berth.api.event.EventRecord;
import dev.berth.api.events.ContainerCreated;
import dev.berth.api.events.ContainerExited;
import dev.berth.api.events.ContainerOom;
import dev.berth.api.events.ContainerRemoved;
import dev.berth.api.events.ContainerStarted;
import dev.berth.api.events.RootfsMounted;
import dev.berth.api.events.RootfsUnmounted;
import dev.berth.api.events.RuntimeDefaultChanged;
import dev.berth.api.events.SpecGenerated;
import dev.berth.api.isolation.ModuleRecord;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The containers the log says exist, with their last known state, and the default runtime. The newest
 * {@value #REMOVED_KEPT} removed containers are kept (status {@code removed}) so a late {@code wait} still
 * learns how they ended; older ones leave the projection (their history stays in the log, which
 * {@code berth history} reads), so its size follows the live containers, not the log's age. Not
 * thread-safe on its own; {@link Projections} serialises access.
 */
public final class ContainerProjection implements Projection {

    /** One container's state as folded from its events. Immutable; each event makes a new one. */
    public record Container(String id, String name, String image, String imageDigest, String runtime,
            String specDigest, RunOptions options, boolean autoRemove, long createdTimeNanos, String status,
            int pid, long startedTimeNanos, long finishedTimeNanos, Integer exitCode, int signal, boolean oomKilled,
            String exitReason, String snapshotter, String rootfs, boolean mounted, SpecSummary spec) {
        public Container {
            spec = spec == null ? SpecSummary.NONE : spec;
        }

        /** The command its spec runs. */
        public List<String> args() {
            return spec.args();
        }

        /** What each isolation module contributed to its spec. */
        public List<ModuleRecord> modules() {
            return spec.modules();
        }

        /** What isolation module {@code id} recorded for this container, if it contributed. */
        public Optional<ModuleRecord> module(String id) {
            return modules().stream().filter(m -> m.id().equals(id)).findFirst();
        }

        /** Whether the container holds a process (created with a process, or running). */
        public boolean running() {
            return "running".equals(status);
        }
    }

    /** What a container's mount and spec events said before its creation event arrived. */
    record Pending(String snapshotter, String rootfs, SpecSummary spec) {
    }

    /**
     * The command and the isolation modules of a container's {@code spec.generated} event, decoded on first
     * use: a replay folds the specs of every container ever run, most of them removed long ago, and decoding
     * each at once was half the replay's time. Serialised as {@code {"args": [...], "modules": [...]}}.
     * Thread-safe; equal when the decoded values are.
     */
    public static final class SpecSummary {
        static final SpecSummary NONE = new SpecSummary(List.of(), List.of());

        private EventCodec codec;
        private EventRecord record;
        private List<String> args;
        private List<ModuleRecord> modules;

        @JsonCreator
        SpecSummary(@JsonProperty("args") List<String> args, @JsonProperty("modules") List<ModuleRecord> modules) {
            this.args = args == null ? List.of() : List.copyOf(args);
            this.modules = modules == null ? List.of() : List.copyOf(modules);
        }

        private SpecSummary(EventCodec codec, EventRecord record) {
            this.codec = codec;
            this.record = record;
        }

        /** The summary of {@code record}, a {@code spec.generated} event, read when first asked. */
        static SpecSummary of(EventCodec codec, EventRecord record) {
            return new SpecSummary(codec, record);
        }

        @JsonProperty("args")
        public synchronized List<String> args() {
            decode();
            return args;
        }

        @JsonProperty("modules")
        public synchronized List<ModuleRecord> modules() {
            decode();
            return modules;
        }

        private void decode() {
            if (record != null) {
                SpecGenerated e = codec.payload(record, SpecGenerated.class);
                args = e.args() == null ? List.of() : List.copyOf(e.args());
                modules = e.modules() == null ? List.of() : List.copyOf(e.modules());
                record = null;
                codec = null;
            }
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof SpecSummary s && args().equals(s.args()) && modules().equals(s.modules());
        }

        @Override
        public int hashCode() {
            return Objects.hash(args(), modules());
        }

        @Override
        public String toString() {
            return "SpecSummary" + args();
        }
    }

    /** How many removed containers the projection remembers, as Docker keeps its last 256 events. */
    static final int REMOVED_KEPT = 256;

    private final EventCodec codec;
    private final Map<String, Container> containers = new LinkedHashMap<>();
    /** Ids of the removed containers still kept, oldest removal first. */
    private final LinkedHashSet<String> removed = new LinkedHashSet<>();
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    /** The OOM kill count last logged for each running container (reset when it starts). */
    private final Map<String, Long> oomKills = new LinkedHashMap<>();
    private String defaultRuntime;

    public ContainerProjection(EventCodec codec) {
        this.codec = codec;
    }

    @Override
    public String name() {
        return "containers";
    }

    @Override
    public void apply(EventRecord record) {
        String id = record.subject();
        Container c = containers.get(id);
        switch (record.type()) {
            case "rootfs.mounted" -> {
                RootfsMounted e = codec.payload(record, RootfsMounted.class);
                if (c == null) {
                    Pending p = pending.get(id);
                    pending.put(id, new Pending(e.snapshotter(), e.rootfs(), p == null ? null : p.spec()));
                } else {
                    put(new Container(c.id(), c.name(), c.image(), c.imageDigest(), c.runtime(), c.specDigest(),
                            c.options(), c.autoRemove(), c.createdTimeNanos(), c.status(), c.pid(),
                            c.startedTimeNanos(), c.finishedTimeNanos(), c.exitCode(), c.signal(), c.oomKilled(),
                            c.exitReason(), e.snapshotter(), e.rootfs(), true, c.spec()));
                }
            }
            case "rootfs.unmounted" -> {
                codec.requireType(record, RootfsUnmounted.class);
                if (c == null) {
                    pending.remove(id);
                } else {
                    put(new Container(c.id(), c.name(), c.image(), c.imageDigest(), c.runtime(), c.specDigest(),
                            c.options(), c.autoRemove(), c.createdTimeNanos(), c.status(), c.pid(),
                            c.startedTimeNanos(), c.finishedTimeNanos(), c.exitCode(), c.signal(), c.oomKilled(),
                            c.exitReason(), c.snapshotter(), c.rootfs(), false, c.spec()));
                }
            }
            case "spec.generated" -> {
                Pending p = pending.get(id);
                pending.put(id, new Pending(p == null ? null : p.snapshotter(), p == null ? null : p.rootfs(),
                        SpecSummary.of(codec, record)));
            }
            case "container.created" -> {
                ContainerCreated e = codec.payload(record, ContainerCreated.class);
                Pending p = pending.remove(id);
                put(new Container(id, e.name(), e.image(), e.imageDigest(), e.runtime(), e.specDigest(),
                        e.options(), e.autoRemove(), record.timeNanos(), "created", 0, 0, 0, null, 0, false, null,
                        p == null ? null : p.snapshotter(), p == null ? null : p.rootfs(), p != null
                                && p.rootfs() != null, p == null ? null : p.spec()));
            }
            case "container.started" -> {
                ContainerStarted e = codec.payload(record, ContainerStarted.class);
                oomKills.remove(id);
                if (c != null) {
                    put(new Container(c.id(), c.name(), c.image(), c.imageDigest(), c.runtime(), c.specDigest(),
                            c.options(), c.autoRemove(), c.createdTimeNanos(), "running", e.pid(),
                            record.timeNanos(), 0, null, 0, false, null, c.snapshotter(), c.rootfs(), c.mounted(),
                            c.spec()));
                }
            }
            case "container.exited" -> {
                ContainerExited e = codec.payload(record, ContainerExited.class);
                if (c != null) {
                    put(new Container(c.id(), c.name(), c.image(), c.imageDigest(), c.runtime(), c.specDigest(),
                            c.options(), c.autoRemove(), c.createdTimeNanos(), "exited", 0, c.startedTimeNanos(),
                            record.timeNanos(), e.exitCode(), e.signal(), e.oomKilled() || c.oomKilled(), e.reason(),
                            c.snapshotter(),
                            c.rootfs(), c.mounted(), c.spec()));
                }
            }
            case "container.removed" -> {
                codec.requireType(record, ContainerRemoved.class);
                pending.remove(id);
                oomKills.remove(id);
                if (c != null) {
                    put(new Container(c.id(), c.name(), c.image(), c.imageDigest(), c.runtime(), c.specDigest(),
                            c.options(), c.autoRemove(), c.createdTimeNanos(), "removed", 0, c.startedTimeNanos(),
                            c.finishedTimeNanos(), c.exitCode(), c.signal(), c.oomKilled(), c.exitReason(),
                            c.snapshotter(), c.rootfs(), false, c.spec()));
                    forgetOldRemoved(id);
                }
            }
            case "container.oom" -> {
                ContainerOom e = codec.payload(record, ContainerOom.class);
                oomKills.merge(id, e.count(), Math::max);
                if (c != null && c.running()) {
                    put(new Container(c.id(), c.name(), c.image(), c.imageDigest(), c.runtime(), c.specDigest(),
                            c.options(), c.autoRemove(), c.createdTimeNanos(), c.status(), c.pid(),
                            c.startedTimeNanos(), c.finishedTimeNanos(), c.exitCode(), c.signal(), true,
                            c.exitReason(), c.snapshotter(), c.rootfs(), c.mounted(), c.spec()));
                }
            }
            case "runtime.default.changed" -> defaultRuntime = codec.payload(record, RuntimeDefaultChanged.class)
                    .runtime();
            default -> {
                // not a container event
            }
        }
    }

    private void forgetOldRemoved(String id) {
        removed.remove(id);
        removed.add(id);
        trimRemoved();
    }

    private void trimRemoved() {
        Iterator<String> oldest = removed.iterator();
        while (removed.size() > REMOVED_KEPT) {
            containers.remove(oldest.next());
            oldest.remove();
        }
    }

    private void put(Container container) {
        containers.put(container.id(), container);
    }

    /** A container by full id, removed ones included. */
    public Optional<Container> get(String id) {
        return Optional.ofNullable(containers.get(id));
    }

    /** Every container, removed ones included, in creation order. */
    public List<Container> all() {
        return new ArrayList<>(containers.values());
    }

    /** The runtime chosen with {@code berth runtime default}, or null when never chosen. */
    public String defaultRuntime() {
        return defaultRuntime;
    }

    /** The OOM kill count last logged for container {@code id} since it started, 0 when none. */
    public long oomKills(String id) {
        return oomKills.getOrDefault(id, 0L);
    }

    /** Ids that have mount or spec events but no creation (yet): creations under way or abandoned. */
    public List<String> pendingIds() {
        return new ArrayList<>(pending.keySet());
    }

    @Override
    public JsonNode snapshot() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        ArrayNode array = node.putArray("containers");
        containers.values().forEach(c -> array.add(codec.mapper().valueToTree(c)));
        ObjectNode waiting = node.putObject("pending");
        pending.forEach((id, p) -> waiting.set(id, codec.mapper().valueToTree(p)));
        node.put("defaultRuntime", defaultRuntime);
        ArrayNode removedOrder = node.putArray("removed");
        removed.forEach(removedOrder::add);
        ObjectNode kills = node.putObject("oomKills");
        oomKills.forEach(kills::put);
        return node;
    }

    @Override
    public void restore(JsonNode snapshot) {
        clear();
        for (JsonNode entry : snapshot.path("containers")) {
            Container container = codec.mapper().convertValue(entry, Container.class);
            containers.put(container.id(), container);
        }
        snapshot.path("pending").fields().forEachRemaining(e -> pending.put(e.getKey(),
                codec.mapper().convertValue(e.getValue(), Pending.class)));
        defaultRuntime = snapshot.path("defaultRuntime").isTextual() ? snapshot.path("defaultRuntime").asText() : null;
        if (snapshot.has("removed")) {
            snapshot.path("removed").forEach(id -> removed.add(id.asText()));
        } else {
            // A snapshot from before the bound: its removed containers, in creation order.
            containers.values().stream().filter(c -> c.status().equals("removed")).forEach(c -> removed.add(c.id()));
            trimRemoved();
        }
        snapshot.path("oomKills").fields().forEachRemaining(e -> oomKills.put(e.getKey(), e.getValue().asLong()));
    }

    @Override
    public void clear() {
        containers.clear();
        removed.clear();
        pending.clear();
        oomKills.clear();
        defaultRuntime = null;
    }
}
