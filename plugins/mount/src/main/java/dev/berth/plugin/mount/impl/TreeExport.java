package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a whole directory tree (a container's root filesystem) into a tar, depth first with each
 * directory's entries sorted by name, which is {@link TarOrder} for a tree without whiteouts. The root
 * itself has no entry. A directory on another device than the root is a mount point: its entry is
 * written, what is mounted there is not. Stateless.
 */
final class TreeExport {
    private TreeExport() {
    }

    /** Adds every entry below {@code root} to {@code tar}. */
    static void write(Path root, TreeTarWriter tar) throws IOException {
        directory(root, "", FileMeta.read(root).dev(), tar);
    }

    private static void directory(Path dir, String rel, long device, TreeTarWriter tar) throws IOException {
        for (String name : Names.sorted(dir)) {
            Path child = dir.resolve(name);
            String childRel = Names.join(rel, name);
            FileMeta meta = FileMeta.read(child);
            tar.add(childRel, child, meta);
            if (meta.isDirectory() && meta.dev() == device) {
                directory(child, childRel, device, tar);
            }
        }
    }
}
