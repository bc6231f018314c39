package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Mounts and unmounts through the host's {@code mount(8)} and {@code umount(8)}, since Java cannot call
 * mount(2); stateless and thread-safe.
 */
final class Mounts {
    static final String MOUNT = "/bin/mount";
    static final String UMOUNT = "/bin/umount";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** How often and how far apart to retry an unmount that finds its target busy (about 1 s in all). */
    private static final int BUSY_ATTEMPTS = 10;
    private static final long BUSY_PAUSE_MILLIS = 100;
    /** Bound on unmounting the same point again when mounts are stacked on it. */
    private static final int MAX_STACKED = 16;

    private Mounts() {
    }

    /** Mounts an overlay with {@code options} on {@code target}; the exception carries mount(8)'s stderr. */
    static void mountOverlay(String options, Path target) throws IOException {
        HostCommands.check(List.of(MOUNT, "-t", "overlay", "overlay", "-o", options, target.toString()), TIMEOUT);
    }

    /**
     * Unmounts {@code target} until it is no mount point any more (mounts can be stacked), retrying for
     * about a second while it is busy; nothing if it is not mounted. {@code action} starts error messages.
     * Busy to the end is {@link ErrorKind#CONFLICT}; any other failure {@link ErrorKind#UNAVAILABLE}.
     */
    static void unmount(Path target, String action) throws BerthException {
        int busy = 0;
        try {
            for (int stacked = 0; stacked < MAX_STACKED && MountTable.isMounted(target); ) {
                HostCommands.Result result = HostCommands.run(List.of(UMOUNT, target.toString()), TIMEOUT);
                if (result.ok()) {
                    stacked++;
                } else if (result.err().contains("busy") && ++busy < BUSY_ATTEMPTS) {
                    pause(action);
                } else if (MountTable.isMounted(target)) {
                    ErrorKind kind = result.err().contains("busy") ? ErrorKind.CONFLICT : ErrorKind.UNAVAILABLE;
                    String why = kind == ErrorKind.CONFLICT ? target + " is still in use after " + busy
                            + " attempts over about " + busy * BUSY_PAUSE_MILLIS + " ms: " : "";
                    throw new BerthException(kind, action + ": unmount " + target + ": " + why + result.failure());
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
    static void unmountAllUnder(Path dir, String action) throws BerthException {
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
