package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.FileChange;
import dev.berth.api.container.LayerTar;
import dev.berth.api.container.MountStage;
import dev.berth.api.container.MountedRootfs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Keeps containers' root filesystems under {@code <root>/mounts/<container id>}, made by one
 * {@link Snapshotter}. Validates every request before touching the disk. Thread-safe: calls for the same
 * container are serialised by a per-container lock (a diff or export included, so the root filesystem
 * is not mounted, unmounted or removed under it), calls for different containers run in parallel.
 */
final class RootfsStore implements MountStage {
    private static final String DIFF = "diff";
    private static final String WRITE_CHANGES = "write changes of";
    private static final String EXPORT = "export";
    private static final System.Logger LOG = System.getLogger(RootfsStore.class.getName());
    /** The suffix of a removed container's folder, unmounted, while a worker deletes its files. */
    static final String DISCARDED = ".removed";
    /** Deletes removed folders, one at a time; its thread ends after a second without work. */
    private static final ExecutorService DELETER = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "berth-mount-deleter");
                t.setDaemon(true);
                return t;
            });

    private final Path mounts;
    private final Snapshotter snapshotter;
    private final Mounts calls;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    /**
     * A store under {@code root} (the engine's state root) that unmounts what it removes through
     * {@code calls}; creates nothing until the first mount.
     */
    RootfsStore(Path root, Snapshotter snapshotter, Mounts calls) {
        this.mounts = mountsDir(root);
        this.snapshotter = snapshotter;
        this.calls = calls;
    }

    /** {@code <root>/mounts}, absolute. */
    static Path mountsDir(Path root) {
        return root.toAbsolutePath().normalize().resolve("mounts");
    }

    @Override
    public String snapshotter() {
        return snapshotter.kind();
    }

    @Override
    public MountedRootfs mount(String containerId, List<String> layers) throws BerthException {
        return mount(containerId, layers, false);
    }

    @Override
    public MountedRootfs mount(String containerId, List<String> layers, boolean scratch) throws BerthException {
        String id = Requests.containerId("mount", containerId);
        List<Path> paths = Requests.layers(id, layers);
        synchronized (lock(id)) {
            return snapshotter.mount(container(id), paths, scratch);
        }
    }

    @Override
    public void unmount(String containerId) throws BerthException {
        String id = Requests.containerId("unmount", containerId);
        synchronized (lock(id)) {
            snapshotter.unmount(container(id));
        }
    }

    @Override
    public void remove(String containerId) throws BerthException {
        String id = Requests.containerId("remove", containerId);
        String action = "remove container " + id;
        synchronized (lock(id)) {
            ContainerDir container = container(id);
            // Whatever kind made it, nothing below may stay mounted: the delete never crosses a mount.
            calls.unmountAllUnder(container.dir(), action);
            // Unmounted, the folder is renamed out of the way and its files are deleted by a worker: the
            // removal is done once nothing can use them. A folder left so by a stop is deleted by list().
            Path discarded = container.dir().resolveSibling(container.dir().getFileName() + DISCARDED);
            try {
                Files.move(container.dir(), discarded, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                DELETER.execute(() -> deleteDiscarded(discarded));
            } catch (java.nio.file.NoSuchFileException e) {
                // nothing was there
            } catch (IOException e) {
                try {
                    Trees.delete(container.dir());
                } catch (IOException again) {
                    again.addSuppressed(e);
                    throw new BerthException(ErrorKind.UNAVAILABLE, action + ": delete " + container.dir() + ": "
                            + again.getMessage(), again);
                }
            }
        }
    }

    /** Waits until the worker deleted every folder removed so far (for tests). */
    static void awaitDeletions() throws Exception {
        DELETER.submit(() -> { }).get(30, TimeUnit.SECONDS);
    }

    /** Deletes a removed container's folder; a failure leaves it for the next {@link #list()} to retry. */
    private static void deleteDiscarded(Path dir) {
        try {
            Trees.delete(dir);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "delete " + dir + ": " + e.getMessage());
        }
    }

    @Override
    public List<FileChange> changes(String containerId, List<String> layers) throws BerthException {
        String id = Requests.containerId(DIFF, containerId);
        List<Path> paths = Requests.layers(DIFF, id, layers);
        synchronized (lock(id)) {
            return snapshotter.changes(container(id), paths, DIFF + " container " + id).fileChanges();
        }
    }

    @Override
    public LayerTar writeChanges(String containerId, List<String> layers, Path target) throws BerthException {
        String id = Requests.containerId(WRITE_CHANGES, containerId);
        String action = WRITE_CHANGES + " container " + id;
        List<Path> paths = Requests.layers(WRITE_CHANGES, id, layers);
        Path out = Requests.target(action, target);
        synchronized (lock(id)) {
            ChangeSet changes = snapshotter.changes(container(id), paths, action);
            return AtomicTar.write(action, out, changes::writeTo);
        }
    }

    @Override
    public LayerTar export(String containerId, List<String> layers, Path target) throws BerthException {
        String id = Requests.containerId(EXPORT, containerId);
        String action = EXPORT + " container " + id;
        List<Path> paths = Requests.layers(EXPORT, id, layers);
        Path out = Requests.target(action, target);
        synchronized (lock(id)) {
            return snapshotter.readRootfs(container(id), paths, action,
                    rootfs -> AtomicTar.write(action, out, tar -> TreeExport.write(rootfs, tar)));
        }
    }

    @Override
    public List<MountedRootfs> list() throws BerthException {
        List<MountedRootfs> all = new ArrayList<>();
        if (!Files.isDirectory(mounts, LinkOption.NOFOLLOW_LINKS)) {
            return all;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(mounts)) {
            Set<Path> mounted = MountTable.mountPoints();
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.endsWith(DISCARDED)) {
                    DELETER.execute(() -> deleteDiscarded(entry)); // a removal's delete a stop cut short
                    continue;
                }
                if (Requests.isContainerId(name) && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    all.add(describe(container(name), mounted, snapshotter.kind()));
                }
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "list root filesystems in " + mounts + ": "
                    + e.getMessage(), e);
        }
        all.sort(Comparator.comparing(MountedRootfs::containerId));
        return all;
    }

    /**
     * What is on disk for {@code container}, by its layout (a store switched between snapshotters may
     * hold both kinds); a folder with neither layout, left by an interrupted mount, counts as {@code kind}.
     */
    private static MountedRootfs describe(ContainerDir container, Set<Path> mountPoints, String kind) {
        if (Files.isDirectory(container.rootfs(), LinkOption.NOFOLLOW_LINKS)) {
            return CopySnapshotter.rootfs(container, true);
        }
        if (kind.equals(CopySnapshotter.KIND) && !Files.exists(container.upper(), LinkOption.NOFOLLOW_LINKS)) {
            return CopySnapshotter.rootfs(container, false);
        }
        boolean mounted;
        try {
            mounted = Files.isDirectory(container.merged(), LinkOption.NOFOLLOW_LINKS)
                    && mountPoints.contains(container.merged().toRealPath());
        } catch (IOException e) {
            mounted = false;
        }
        return OverlaySnapshotter.rootfs(container, mounted);
    }

    private ContainerDir container(String id) {
        return new ContainerDir(id, mounts.resolve(id));
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }
}
