package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The mount points a runtime makes in a root filesystem before it mounts over them ({@code /proc},
 * {@code /dev}, {@code /etc/hosts} and the like). Empty, they say nothing about what the container did, so
 * diffs leave them out, as Docker's init layer hides them. Stateless.
 */
final class Placeholders {
    private static final Set<String> PATHS = Set.of("proc", "sys", "dev", "dev/pts", "dev/shm", "dev/mqueue",
            "etc/hosts", "etc/hostname", "etc/resolv.conf", "run/.containerenv", ".dockerenv");

    private Placeholders() {
    }

    /**
     * Whether the entry at {@code rel} (read at {@code path}) is such a placeholder: an empty regular file,
     * or a directory holding nothing but placeholders (so {@code /dev} with empty {@code pts} and
     * {@code shm} counts), at one of the known paths.
     */
    static boolean matches(String rel, Path path, FileMeta meta) throws IOException {
        if (!PATHS.contains(rel)) {
            return false;
        }
        if (meta.type() == FileMeta.Type.REGULAR) {
            return meta.size() == 0;
        }
        if (!meta.isDirectory()) {
            return false;
        }
        for (String name : Names.sorted(path)) {
            Path child = path.resolve(name);
            if (!matches(Names.join(rel, name), child, FileMeta.read(child))) {
                return false;
            }
        }
        return true;
    }
}
