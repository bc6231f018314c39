package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
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

    /** Makes the root filesystem unavailable to runtimes, keeping the container's writes. */
    void unmount(ContainerDir container) throws BerthException;
}
