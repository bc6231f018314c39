package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Pure functions that turn an event payload written with an older version of its type into the next
 * version, so old records are read as today's records without the log ever being rewritten. Keyed by
 * {@code type@version}: the upcaster from that version to the next. Stateless.
 */
final class Upcasters {
    private static final Map<String, UnaryOperator<ObjectNode>> NEXT = Map.of(
            // v1 had options.memory (bytes, 0 for none); v2 has the isolation options, where -m lives now.
            "container.created@1", Upcasters::isolationFromMemory,
            // v1 had no isolation modules.
            "spec.generated@1", payload -> {
                payload.putArray("modules");
                return payload;
            });

    private Upcasters() {
    }

    /** The upcaster from {@code version} of {@code type} to the next version, or null when there is none. */
    static UnaryOperator<ObjectNode> from(String type, int version) {
        return NEXT.get(type + "@" + version);
    }

    private static ObjectNode isolationFromMemory(ObjectNode payload) {
        JsonNode options = payload.path("options");
        if (options instanceof ObjectNode o) {
            long memory = o.path("memory").asLong(0);
            o.remove("memory");
            ObjectNode isolation = o.putObject("isolation");
            if (memory > 0) {
                isolation.putArray("memory").add(Long.toString(memory));
            }
            for (JsonNode volume : o.path("volumes")) {
                if (volume instanceof ObjectNode v && !v.has("relabel")) {
                    v.putNull("relabel");
                }
            }
        }
        return payload;
    }
}
