package dev.berth.plugin.selinux.impl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fake selinuxfs mounts for tests: a directory with or without an {@code enforce} file. */
final class Selinuxfs {
    private Selinuxfs() {
    }

    /** A selinuxfs under {@code dir} whose enforce file reads {@code enforce} (1 or 0). */
    static Path on(Path dir, String enforce) {
        try {
            Path fs = Files.createDirectories(dir.resolve("selinuxfs-" + enforce));
            Files.writeString(fs.resolve("enforce"), enforce + "\n");
            return fs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A path under {@code dir} where no selinuxfs is mounted. */
    static Path off(Path dir) {
        return dir.resolve("no-selinuxfs");
    }
}
