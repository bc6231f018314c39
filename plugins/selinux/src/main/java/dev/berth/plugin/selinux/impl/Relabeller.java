package dev.berth.plugin.selinux.impl;

import dev.berth.api.BerthException;
import java.nio.file.Path;

/** Sets an SELinux file label on a host path and everything under it. Implementations are thread-safe. */
interface Relabeller {
    /** Labels {@code path} recursively with {@code label}, not following symlinks; UNAVAILABLE on failure. */
    void relabel(Path path, String label) throws BerthException;
}
