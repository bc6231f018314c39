package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.event.EventRecord;
import dev.berth.api.events.PluginDisabled;
import dev.berth.api.events.PluginEnabled;
import dev.berth.api.events.PluginFailed;
import dev.berth.api.events.PluginInstalled;
import dev.berth.api.events.PluginSwapped;
import dev.berth.api.events.PluginStarted;
import dev.berth.api.events.PluginStopped;
import dev.berth.api.events.PluginUninstalled;
import dev.berth.api.events.PluginUpdated;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The plugins the log says the engine has: id, version, kind, location and whether it is active, as of
 * the last applied plugin event. Not thread-safe on its own; {@link Projections} serialises access.
 */
public final class PluginProjection implements Projection {

    /**
     * One plugin as the log knows it; {@code failure} is the last {@code plugin.failed} reason since it was
     * last installed, updated or started, else null; {@code disabled} says the operator stopped it with
     * {@code berth plugin stop} and it stays stopped until {@code berth plugin start}. Immutable.
     */
    public record Plugin(String id, String version, String kind, String location, boolean active,
            long sinceSequence, long sinceTimeNanos, String failure, boolean disabled) {
        /** Without {@code disabled}: a plugin the operator has not stopped. */
        public Plugin(String id, String version, String kind, String location, boolean active, long sinceSequence,
                long sinceTimeNanos, String failure) {
            this(id, version, kind, location, active, sinceSequence, sinceTimeNanos, failure, false);
        }

        Plugin with(String version, String location, boolean active, EventRecord record, String failure) {
            return new Plugin(id, version, kind, location, active, record.sequence(), record.timeNanos(), failure,
                    disabled);
        }

        Plugin disabled(boolean value) {
            return new Plugin(id, version, kind, location, active, sinceSequence, sinceTimeNanos, failure, value);
        }
    }

    private final EventCodec codec;
    private final Map<String, Plugin> plugins = new TreeMap<>();
    /** Per stage, the plugin {@code berth plugin use} made the one that serves it. */
    private final Map<String, String> choices = new TreeMap<>();

    public PluginProjection(EventCodec codec) {
        this.codec = codec;
    }

    @Override
    public String name() {
        return "plugins";
    }

    @Override
    public void apply(EventRecord record) {
        String id = record.subject();
        Plugin known = plugins.get(id);
        switch (record.type()) {
            case "plugin.installed" -> {
                PluginInstalled e = codec.payload(record, PluginInstalled.class);
                plugins.put(id, new Plugin(id, e.version(), e.kind(), e.location(), false, record.sequence(),
                        record.timeNanos(), null));
            }
            case "plugin.updated" -> {
                PluginUpdated e = codec.payload(record, PluginUpdated.class);
                if (known != null) {
                    plugins.put(id, known.with(e.toVersion(), e.location(), known.active(), record, null));
                }
            }
            case "plugin.started" -> {
                codec.requireType(record, PluginStarted.class);
                if (known != null) {
                    plugins.put(id, known.with(known.version(), known.location(), true, record, null));
                }
            }
            case "plugin.stopped" -> {
                codec.requireType(record, PluginStopped.class);
                if (known != null) {
                    plugins.put(id, known.with(known.version(), known.location(), false, record, known.failure()));
                }
            }
            case "plugin.failed" -> {
                PluginFailed e = codec.payload(record, PluginFailed.class);
                if (known != null) {
                    plugins.put(id, known.with(known.version(), known.location(), known.active(), record, e.reason()));
                }
            }
            case "plugin.disabled" -> {
                codec.requireType(record, PluginDisabled.class);
                if (known != null) {
                    plugins.put(id, known.disabled(true));
                }
            }
            case "plugin.enabled" -> {
                codec.requireType(record, PluginEnabled.class);
                if (known != null) {
                    plugins.put(id, known.disabled(false));
                }
            }
            case "plugin.swapped" -> {
                PluginSwapped e = codec.payload(record, PluginSwapped.class);
                choices.put(e.stage(), id);
            }
            case "plugin.uninstalled" -> {
                codec.requireType(record, PluginUninstalled.class);
                plugins.remove(id);
            }
            default -> {
                // not a plugin event
            }
        }
    }

    /** The plugin with this id, if the log says it is installed. */
    public Optional<Plugin> get(String id) {
        return Optional.ofNullable(plugins.get(id));
    }

    /** Every installed plugin, ordered by id. */
    public List<Plugin> all() {
        return new ArrayList<>(plugins.values());
    }

    /** Per stage, the plugin chosen to serve it with {@code berth plugin use}; chosen plugins may be absent. */
    public Map<String, String> choices() {
        return new TreeMap<>(choices);
    }

    @Override
    public JsonNode snapshot() {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (Plugin plugin : plugins.values()) {
            array.add(codec.mapper().valueToTree(plugin));
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.set("plugins", array);
        node.set("choices", codec.mapper().valueToTree(choices));
        return node;
    }

    @Override
    public void restore(JsonNode snapshot) {
        plugins.clear();
        for (JsonNode entry : snapshot.path("plugins")) {
            Plugin plugin = codec.mapper().convertValue(entry, Plugin.class);
            plugins.put(plugin.id(), plugin);
        }
        choices.clear();
        snapshot.path("choices").fields().forEachRemaining(e -> choices.put(e.getKey(), e.getValue().asText()));
    }

    @Override
    public void clear() {
        plugins.clear();
        choices.clear();
    }
}
