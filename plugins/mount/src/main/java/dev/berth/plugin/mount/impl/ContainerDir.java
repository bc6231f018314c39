package dev.berth.plugin.mount.impl;

import java.nio.file.Path;

/**
 * Where one container's root filesystem lives: {@code <root>/mounts/<id>} with {@code upper},
 * {@code work} and {@code merged} for the overlay snapshotter, or {@code rootfs} for the copy
 * snapshotter. Immutable; {@code id} has been validated.
 */
record ContainerDir(String id, Path dir) {
    Path upper() {
        return dir.resolve("upper");
    }

    Path work() {
        return dir.resolve("work");
    }

    Path merged() {
        return dir.resolve("merged");
    }

    Path rootfs() {
        return dir.resolve("rootfs");
    }
}
