package dev.berth.api.container;

import dev.berth.api.BerthException;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The mount stage: gives each container a root filesystem made of its image's layer snapshots plus a
 * read-write layer of its own, under the engine's state root. Every method is idempotent and
 * thread-safe; a failure leaves nothing half-made (no stray mount, no half-created directory).
 */
@ConsumerType
public interface MountStage {
    /** The {@code berth.stage} service property value of mount implementations. */
    String STAGE = "mount";

    /** The snapshotter kind this implementation provides: {@code overlay} or {@code copy}. */
    String snapshotter();

    /**
     * Mounts the root filesystem of {@code containerId}, creating its read-write layer the first time, or
     * finds it mounted already. {@code layers} are absolute snapshot directories, bottom layer first.
     */
    MountedRootfs mount(String containerId, List<String> layers) throws BerthException;

    /** Unmounts the container's root filesystem, keeping its read-write layer; nothing if not mounted. */
    void unmount(String containerId) throws BerthException;

    /** Unmounts and deletes the container's read-write layer; nothing if it has none. */
    void remove(String containerId) throws BerthException;

    /** Every container this stage holds a root filesystem for, mounted or not. */
    List<MountedRootfs> list() throws BerthException;
}
