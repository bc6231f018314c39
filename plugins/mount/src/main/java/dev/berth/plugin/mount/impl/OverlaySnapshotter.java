package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.MountedRootfs;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Mounts a container's root filesystem as an overlay: the layer snapshots read-only below, the
 * container's own {@code upper} directory on top, at {@code merged}. Stateless; callers hold the
 * container's lock.
 */
final class OverlaySnapshotter implements Snapshotter {
    static final String KIND = "overlay";
    private static final System.Logger LOG = System.getLogger(OverlaySnapshotter.class.getName());
    private static final String DIR_PERMS = "rwxr-xr-x";
    /**
     * The container's own folder: root only, so no host user reaches the container's files (a setuid
     * program in its root filesystem must not run for them). A user-namespace container's root gets
     * through by group (the namespaces module sets the folder's group to it, mode 0710).
     */
    private static final String CONTAINER_PERMS = "rwx------";
    /** The kernel keeps its own files in work/; nobody else needs to look there. */
    private static final String WORK_PERMS = "rwx------";

    private final Mounts mounts;
    /** False once the kernel refused {@code volatile}: scratch overlays are then mounted as any other. */
    private final AtomicBoolean volatileWorks = new AtomicBoolean(true);

    OverlaySnapshotter(Mounts mounts) {
        this.mounts = mounts;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public MountedRootfs mount(ContainerDir container, List<Path> layers) throws BerthException {
        return mount(container, layers, false);
    }

    /**
     * A scratch container's overlay is {@code volatile}: its unmount, on the path of every {@code run --rm},
     * does not flush the host filesystem that holds the upper directory (all of it, not only this container's
     * writes), and nothing it wrote is kept past its removal anyway.
     */
    @Override
    public MountedRootfs mount(ContainerDir container, List<Path> layers, boolean scratch) throws BerthException {
        String action = "mount container " + container.id();
        try {
            if (Files.isDirectory(container.rootfs(), LinkOption.NOFOLLOW_LINKS)) {
                throw new BerthException(ErrorKind.CONFLICT, action + ": it has a copied root filesystem at "
                        + container.rootfs() + "; remove the container or set berth.snapshotter=copy");
            }
            if (MountTable.isMounted(container.merged())) {
                return rootfs(container, true);
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
        }
        boolean volatileUpper = scratch && volatileWorks.get();
        String options = OverlayOptions.of(action, layers, container.upper(), container.work(), volatileUpper);
        CreatedDirs created = new CreatedDirs();
        try {
            Files.createDirectories(container.dir().getParent());
            created.ensure(container.dir(), CONTAINER_PERMS);
            created.ensure(container.upper(), DIR_PERMS);
            created.ensure(container.work(), WORK_PERMS);
            created.ensure(container.merged(), DIR_PERMS);
            String stale = clearVolatileMark(container);
            try {
                mounts.mountOverlay(options, container.merged());
            } catch (IOException e) {
                if (stale != null) {
                    throw new IOException(e.getMessage() + ": " + stale, e);
                }
                if (!volatileUpper || !e.getMessage().contains("Invalid argument")) {
                    throw e;
                }
                mounts.mountOverlay(OverlayOptions.of(action, layers, container.upper(), container.work()),
                        container.merged());
                // A kernel before 5.10 does not know the option: mount as for any container from now on.
                volatileWorks.set(false);
                LOG.log(Level.INFO, "overlayfs refused the volatile option (" + e.getMessage()
                        + "); scratch containers' overlays are mounted as any other's");
            }
            return rootfs(container, true);
        } catch (IOException e) {
            BerthException failure = new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
            try {
                // A mount that timed out may still have mounted; never delete below a mount.
                mounts.unmount(container.merged(), action);
            } catch (BerthException cleanup) {
                failure.addSuppressed(cleanup);
            }
            created.undo(failure);
            throw failure;
        }
    }

    /**
     * A volatile overlay leaves {@code work/incompat/volatile} in its work dir, and the kernel will not mount
     * those dirs again while it is there: after a host crash the upper dir may have lost writes it never
     * flushed. One made since this boot is removed (the host has not gone down since that mount: a scratch
     * container restarted, nothing lost); null then, or when there is none. One from before this boot is
     * kept and described, for the mount's error.
     */
    private static String clearVolatileMark(ContainerDir container) throws IOException {
        Path mark = container.work().resolve("work").resolve("incompat").resolve("volatile");
        if (!Files.isDirectory(mark, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        if (Files.getLastModifiedTime(mark, LinkOption.NOFOLLOW_LINKS).toInstant().isAfter(bootTime())) {
            Trees.delete(mark);
            return null;
        }
        return "its read-write layer was mounted volatile (a --rm container) when the host went down, so it may "
                + "have lost writes (" + mark + "); remove the container";
    }

    /** When this host booted, from {@code btime} in /proc/stat; the far future when that cannot be read. */
    private static Instant bootTime() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("btime ")) {
                try {
                    return Instant.ofEpochSecond(Long.parseLong(line.substring(6).strip()));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        return Instant.MAX; // no mark then counts as made since the boot: each is kept
    }

    @Override
    public void unmount(ContainerDir container) throws BerthException {
        mounts.unmount(container.merged(), "unmount container " + container.id());
    }

    /** Walks {@code upper} against the image's layers; the overlay need not be mounted. */
    @Override
    public ChangeSet changes(ContainerDir container, List<Path> layers, String action) throws BerthException {
        requireUpper(container, action);
        try {
            return OverlayChanges.of(container.upper(), new LowerView(layers));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code merged}; an overlay not mounted is mounted for the call and unmounted after it. */
    @Override
    public <T> T readRootfs(ContainerDir container, List<Path> layers, String action, RootfsReader<T> reader)
            throws BerthException {
        requireUpper(container, action);
        boolean mounted;
        try {
            mounted = MountTable.isMounted(container.merged());
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
        }
        if (mounted) {
            return reader.read(container.merged());
        }
        mount(container, layers);
        T result;
        try {
            result = reader.read(container.merged());
        } catch (BerthException | RuntimeException e) {
            try {
                unmount(container);
            } catch (BerthException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        unmount(container);
        return result;
    }

    /** Fails unless {@code container} has an overlay read-write layer. */
    private static void requireUpper(ContainerDir container, String action) throws BerthException {
        if (Files.isDirectory(container.rootfs(), LinkOption.NOFOLLOW_LINKS)) {
            throw new BerthException(ErrorKind.CONFLICT, action + ": it has a copied root filesystem at "
                    + container.rootfs() + ", not an overlay; set berth.snapshotter=copy");
        }
        if (!Files.isDirectory(container.upper(), LinkOption.NOFOLLOW_LINKS)) {
            throw new BerthException(ErrorKind.NOT_FOUND, action + ": no such container: it has no read-write layer at "
                    + container.upper());
        }
    }

    /** The overlay root of {@code container} as the API describes it. */
    static MountedRootfs rootfs(ContainerDir container, boolean mounted) {
        return new MountedRootfs(container.id(), container.merged().toString(), container.upper().toString(), KIND,
                mounted);
    }
}
