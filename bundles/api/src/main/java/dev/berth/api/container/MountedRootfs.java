package dev.berth.api.container;

/**
 * A container's root filesystem as the mount stage keeps it: {@code rootfs} is the directory the
 * runtime uses as root (the overlay mount point, or the copied tree), {@code upperDir} the container's
 * read-write layer ({@code rootfs} itself for the copy snapshotter), {@code snapshotter} which kind made
 * it ({@code overlay}, {@code copy}) and {@code mounted} whether it is mounted now. Paths are absolute.
 * Immutable.
 */
public record MountedRootfs(String containerId, String rootfs, String upperDir, String snapshotter,
        boolean mounted) {
}
