package dev.berth.api.container;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.file.Path;
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

    /**
     * As {@link #mount(String, List)}, for a {@code scratch} container: one removed when it exits
     * ({@code --rm}), whose read-write layer need not outlive a host crash. An implementation may then skip
     * what durability costs: the overlay one mounts it {@code volatile}, so its unmount flushes nothing. By
     * default the same as {@link #mount(String, List)}.
     */
    default MountedRootfs mount(String containerId, List<String> layers, boolean scratch) throws BerthException {
        return mount(containerId, layers);
    }

    /** Unmounts the container's root filesystem, keeping its read-write layer; nothing if not mounted. */
    void unmount(String containerId) throws BerthException;

    /** Unmounts and deletes the container's read-write layer; nothing if it has none. */
    void remove(String containerId) throws BerthException;

    /** Every container this stage holds a root filesystem for, mounted or not. */
    List<MountedRootfs> list() throws BerthException;

    /**
     * What the container changed against its image ({@code layers}, bottom first, as for {@link #mount}),
     * sorted by path; a deleted directory is one change, not one per file below it.
     */
    default List<FileChange> changes(String containerId, List<String> layers) throws BerthException {
        throw new BerthException(ErrorKind.UNAVAILABLE, "diff " + containerId + ": the " + snapshotter()
                + " mount stage cannot list changes");
    }

    /**
     * Writes the container's changes as an uncompressed OCI layer tar at {@code target}: deletions as
     * {@code .wh.NAME} whiteouts, a directory replaced as a whole as an opaque whiteout, entries sorted by
     * path, numeric owners, whole-second modification times and nothing else that varies between two
     * writes of the same tree. Atomic: nothing is at {@code target} unless the whole tar is.
     */
    default LayerTar writeChanges(String containerId, List<String> layers, Path target) throws BerthException {
        throw new BerthException(ErrorKind.UNAVAILABLE, "commit " + containerId + ": the " + snapshotter()
                + " mount stage cannot write changes");
    }

    /**
     * Writes the container's whole root filesystem (its image's layers with its changes on top) as one tar
     * at {@code target}, in the same deterministic form as {@link #writeChanges}; atomic likewise.
     */
    default LayerTar export(String containerId, List<String> layers, Path target) throws BerthException {
        throw new BerthException(ErrorKind.UNAVAILABLE, "export " + containerId + ": the " + snapshotter()
                + " mount stage cannot export");
    }
}
