package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Mounts and unmounts through the host's {@code mount(8)} and {@code umount(8)}, a process per call: what
 * the mount stage falls back to when its helper cannot be put on disk. Stateless and thread-safe.
 */
final class HostMountCommands implements MountCalls {
    static final String MOUNT = "/bin/mount";
    static final String UMOUNT = "/bin/umount";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Override
    public void mountOverlay(String options, Path target) throws IOException {
        HostCommands.check(List.of(MOUNT, "-t", "overlay", "overlay", "-o", options, target.toString()), TIMEOUT);
    }

    @Override
    public String umount(Path target) throws IOException {
        HostCommands.Result result = HostCommands.run(List.of(UMOUNT, target.toString()), TIMEOUT);
        return result.ok() ? null : result.failure();
    }
}
