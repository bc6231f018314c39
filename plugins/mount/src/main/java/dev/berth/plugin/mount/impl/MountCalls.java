package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The two system calls the mount stage needs, which Java cannot make itself. {@link MountHelper} makes
 * them in one long-lived helper process; {@link HostMountCommands} starts mount(8) or umount(8) for each.
 * Implementations are thread-safe.
 */
interface MountCalls {

    /** Mounts an overlay with {@code options} on {@code target}; the exception carries the reason. */
    void mountOverlay(String options, Path target) throws IOException;

    /**
     * Unmounts {@code target} once: null when that worked, else why not, in words that contain
     * {@code busy} when the target is busy. Throws only when the call could not be made at all.
     */
    String umount(Path target) throws IOException;
}
