package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Mounts and unmounts overlays for the snapshotter and the probe, through {@link MountCalls}: the mount
 * stage's helper process, or mount(8) and umount(8). Adds what the calls alone do not: unmounting until a
 * stacked mount point is free, and retrying for a while when it is busy. Thread-safe.
 */
final class Mounts {
    /** How often and how far apart to retry an unmount that finds its target busy (about 1 s in all). */
    private static final int BUSY_ATTEMPTS = 10;
    private static final long BUSY_PAUSE_MILLIS = 100;
    /** Bound on unmounting the same point again when mounts are stacked on it. */
    private static final int MAX_STACKED = 16;

    private final MountCalls calls;

    Mounts(MountCalls calls) {
        this.calls = calls;
    }

    /** Mounts through the host's mount(8) and umount(8), a process per call. */
    static Mounts byCommands() {
        return new Mounts(new HostMountCommands());
    }

    /** Mounts an overlay with {@code options} on {@code target}; the exception carries the reason. */
    void mountOverlay(String options, Path target) throws IOException {
        calls.mountOverlay(options, target);
    }

    /**
     * Unmounts {@code target} until it is no mount point any more (mounts can be stacked), retrying for
     * about a second while it is busy; nothing if it is not mounted. {@code action} starts error messages.
     * Busy to the end is {@link ErrorKind#CONFLICT}; any other failure {@link ErrorKind#UNAVAILABLE}.
     */
    void unmount(Path target, String action) throws BerthException {
        int busy = 0;
        try {
            for (int stacked = 0; stacked < MAX_STACKED && MountTable.isMounted(target); ) {
                String failure = calls.umount(target);
                if (failure == null) {
                    stacked++;
                } else if (failure.contains("busy") && ++busy < BUSY_ATTEMPTS) {
                    pause(action);
                } else if (MountTable.isMounted(target)) {
                    ErrorKind kind = failure.contains("busy") ? ErrorKind.CONFLICT : ErrorKind.UNAVAILABLE;
                    String why = kind == ErrorKind.CONFLICT ? target + " is still in use after " + busy
                            + " attempts over about " + busy * BUSY_PAUSE_MILLIS + " ms: " : "";
                    throw new BerthException(kind, action + ": unmount " + target + ": " + why + failure);
                }
            }
            if (MountTable.isMounted(target)) {
                throw new BerthException(ErrorKind.UNAVAILABLE, action + ": unmount " + target
                        + ": still mounted after unmounting it " + MAX_STACKED + " times");
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": unmount " + target + ": " + e.getMessage(), e);
        }
    }

    /** Unmounts every mount point at or below {@code dir}, deepest first. */
    void unmountAllUnder(Path dir, String action) throws BerthException {
        List<Path> points;
        try {
            points = MountTable.mountsUnder(dir);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": read " + MountTable.MOUNTINFO + ": "
                    + e.getMessage(), e);
        }
        for (Path point : points) {
            unmount(point, action);
        }
    }

    private static void pause(String action) throws BerthException {
        try {
            Thread.sleep(BUSY_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": interrupted while waiting to unmount", e);
        }
    }
}
