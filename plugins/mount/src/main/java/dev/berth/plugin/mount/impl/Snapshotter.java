package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.MountedRootfs;
import java.nio.file.Path;
import java.util.List;

/**
 * One way of making a container's root filesystem from layer snapshots. Callers hold the container's
 * lock and have validated the id and the layers; implementations are otherwise stateless.
 */
interface Snapshotter {
    /** {@code overlay} or {@code copy}. */
    String kind();

    /** Makes or finds the root filesystem of {@code container}; on failure leaves nothing this call made. */
    MountedRootfs mount(ContainerDir container, List<Path> layersBottomFirst) throws BerthException;

    /**
     * As {@link #mount(ContainerDir, List)}, for a {@code scratch} container (removed when it exits), whose
     * writes need not outlive a host crash; by default no different.
     */
    default MountedRootfs mount(ContainerDir container, List<Path> layersBottomFirst, boolean scratch)
            throws BerthException {
        return mount(container, layersBottomFirst);
    }

    /** Makes the root filesystem unavailable to runtimes, keeping the container's writes. */
    void unmount(ContainerDir container) throws BerthException;

    /**
     * What {@code container} changed against the image {@code layersBottomFirst}. {@code action} starts
     * error messages; a container without a root filesystem of this kind is {@link ErrorKind#NOT_FOUND}.
     */
    ChangeSet changes(ContainerDir container, List<Path> layersBottomFirst, String action) throws BerthException;

    /**
     * Hands {@code reader} the container's whole root filesystem, making it readable for the call if it
     * is not (and undoing that afterwards); errors as for {@link #changes}.
     */
    <T> T readRootfs(ContainerDir container, List<Path> layersBottomFirst, String action, RootfsReader<T> reader)
            throws BerthException;

    /** Reads a root filesystem, given as the directory it is visible at. */
    interface RootfsReader<T> {
        T read(Path rootfs) throws BerthException;
    }
}
