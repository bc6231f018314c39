package dev.berth.plugin.namespaces.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * A whole user namespace id map (uid or gid): one or more {@link IdMapping}s whose container ranges do not
 * overlap and whose host ranges do not overlap (the kernel refuses both). Written as the mappings'
 * {@code C:H:N} forms joined by commas. Immutable.
 */
record IdMap(List<IdMapping> mappings) {
    IdMap {
        mappings = List.copyOf(mappings);
        if (mappings.isEmpty()) {
            throw new IllegalArgumentException("an id map needs at least one mapping");
        }
        for (int i = 0; i < mappings.size(); i++) {
            for (int j = i + 1; j < mappings.size(); j++) {
                IdMapping a = mappings.get(i);
                IdMapping b = mappings.get(j);
                if (a.containerOverlaps(b)) {
                    throw new IllegalArgumentException("container ids of " + a + " and " + b + " overlap");
                }
                if (a.hostOverlaps(b)) {
                    throw new IllegalArgumentException("host ids of " + a + " and " + b + " overlap");
                }
            }
        }
    }

    /** The map of one mapping. */
    static IdMap of(IdMapping mapping) {
        return new IdMap(List.of(mapping));
    }

    /** Parses the comma-joined form written by {@link #toString()}. */
    static IdMap parse(String text) {
        List<IdMapping> list = new ArrayList<>();
        for (String part : text.split(",")) {
            list.add(IdMapping.parse(part));
        }
        return new IdMap(list);
    }

    /** The host id of container id {@code id}, or empty when the map does not cover it. */
    OptionalLong toHost(long id) {
        for (IdMapping m : mappings) {
            if (id >= m.containerId() && id <= m.containerEnd()) {
                return OptionalLong.of(m.hostId() + (id - m.containerId()));
            }
        }
        return OptionalLong.empty();
    }

    /** The container id that host id {@code id} appears as, or empty when the map does not cover it. */
    OptionalLong toContainer(long id) {
        for (IdMapping m : mappings) {
            if (id >= m.hostId() && id <= m.hostEnd()) {
                return OptionalLong.of(m.containerId() + (id - m.hostId()));
            }
        }
        return OptionalLong.empty();
    }

    /** The OCI runtime spec array, e.g. for {@code /linux/uidMappings}. */
    String json() {
        return mappings.stream().map(IdMapping::json).collect(Collectors.joining(",", "[", "]"));
    }

    @Override
    public String toString() {
        return mappings.stream().map(IdMapping::toString).collect(Collectors.joining(","));
    }
}
