package dev.berth.plugin.selinux.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether SELinux is on, as seen through the selinuxfs mount at {@code selinuxfs}: it is {@code on} when
 * {@code selinuxfs/enforce} is a file, and its {@code mode} is {@code enforcing} (the file reads 1),
 * {@code permissive} (0), or {@code unknown (...)} when the file says something else or cannot be read.
 * Immutable.
 */
record SelinuxHost(Path selinuxfs, boolean on, String mode) {
    /** Reads the state now (cheap: one small file), so a host that changes is seen at the next container. */
    static SelinuxHost probe(Path selinuxfs) {
        Path enforce = selinuxfs.resolve("enforce");
        if (!Files.isRegularFile(enforce)) {
            return new SelinuxHost(selinuxfs, false, "off");
        }
        try {
            String value = Files.readString(enforce).strip();
            String mode = switch (value) {
                case "1" -> "enforcing";
                case "0" -> "permissive";
                default -> "unknown (" + enforce + " reads \"" + LabelOptions.printable(value) + "\")";
            };
            return new SelinuxHost(selinuxfs, true, mode);
        } catch (IOException e) {
            return new SelinuxHost(selinuxfs, true, "unknown (" + enforce + ": " + e.getMessage() + ")");
        }
    }

    /** The file whose presence means SELinux is on. */
    Path enforceFile() {
        return selinuxfs.resolve("enforce");
    }
}
