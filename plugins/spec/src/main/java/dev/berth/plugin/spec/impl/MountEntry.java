package dev.berth.plugin.spec.impl;

import java.util.List;

/** One entry of {@code config.json}'s {@code mounts}, in the order the runtime mounts them. Immutable. */
record MountEntry(String destination, String type, String source, List<String> options) {
    MountEntry {
        options = List.copyOf(options);
    }

    /** A bind mount as Docker makes them: recursive, private propagation, plus {@code ro} when read-only. */
    static MountEntry bind(String source, String destination, boolean readOnly) {
        return new MountEntry(destination, "bind", source,
                readOnly ? List.of("rbind", "rprivate", "ro") : List.of("rbind", "rprivate"));
    }
}
