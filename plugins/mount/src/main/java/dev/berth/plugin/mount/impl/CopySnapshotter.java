package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.MountedRootfs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * Gives each container a private copy of its layers, for hosts without overlayfs: {@code rootfs} is
 * built once, bottom layer first, in a temporary directory beside it and renamed into place only when
 * complete. There is nothing to mount, so the root filesystem counts as mounted while it exists and
 * unmounting does nothing. Stateless; callers hold the container's lock.
 */
final class CopySnapshotter implements Snapshotter {
    static final String KIND = "copy";
    private static final String TMP_PREFIX = ".rootfs-";
    private static final String DIR_PERMS = "rwxr-xr-x";
    /**
     * The container's own folder: root only, so no host user reaches the container's files (a setuid
     * program in its root filesystem must not run for them). A user-namespace container's root gets
     * through by group (the namespaces module sets the folder's group to it, mode 0710).
     */
    private static final String CONTAINER_PERMS = "rwx------";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LayerCopier copier = new LayerCopier();

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public MountedRootfs mount(ContainerDir container, List<Path> layers) throws BerthException {
        String action = "mount container " + container.id();
        if (Files.exists(container.upper(), LinkOption.NOFOLLOW_LINKS)) {
            throw new BerthException(ErrorKind.CONFLICT, action + ": it has an overlay read-write layer at "
                    + container.upper() + "; remove the container or set berth.snapshotter=overlay");
        }
        if (Files.isDirectory(container.rootfs(), LinkOption.NOFOLLOW_LINKS)) {
            return rootfs(container, true);
        }
        CreatedDirs created = new CreatedDirs();
        Path tmp = container.dir().resolve(TMP_PREFIX + HexFormat.of().formatHex(randomBytes()));
        Path layer = null;
        try {
            Files.createDirectories(container.dir().getParent());
            created.ensure(container.dir(), CONTAINER_PERMS);
            removeLeftovers(container);
            Files.createDirectory(tmp);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(DIR_PERMS));
            for (Path l : layers) {
                layer = l;
                copier.apply(l, tmp);
            }
            layer = null;
            Files.move(tmp, container.rootfs(), StandardCopyOption.ATOMIC_MOVE);
            return rootfs(container, true);
        } catch (IOException e) {
            String step = layer == null ? "" : "copy layer " + layer + ": ";
            BerthException failure = new BerthException(ErrorKind.UNAVAILABLE, action + ": " + step
                    + e.getMessage(), e);
            try {
                Trees.delete(tmp);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup);
            }
            created.undo(failure);
            throw failure;
        }
    }

    @Override
    public void unmount(ContainerDir container) {
        // A copy is not mounted; it stays usable until removed.
    }

    /** Compares {@code rootfs} with the image's layers. */
    @Override
    public ChangeSet changes(ContainerDir container, List<Path> layers, String action) throws BerthException {
        requireRootfs(container, action);
        try {
            return CopyChanges.of(container.rootfs(), new LowerView(layers));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code rootfs}, which is always there once made. */
    @Override
    public <T> T readRootfs(ContainerDir container, List<Path> layers, String action, RootfsReader<T> reader)
            throws BerthException {
        requireRootfs(container, action);
        return reader.read(container.rootfs());
    }

    /** Fails unless {@code container} has a copied root filesystem. */
    private static void requireRootfs(ContainerDir container, String action) throws BerthException {
        if (Files.exists(container.upper(), LinkOption.NOFOLLOW_LINKS)) {
            throw new BerthException(ErrorKind.CONFLICT, action + ": it has an overlay read-write layer at "
                    + container.upper() + ", not a copy; set berth.snapshotter=overlay");
        }
        if (!Files.isDirectory(container.rootfs(), LinkOption.NOFOLLOW_LINKS)) {
            throw new BerthException(ErrorKind.NOT_FOUND, action + ": no such container: it has no root filesystem at "
                    + container.rootfs());
        }
    }

    /** Deletes temporary trees an interrupted earlier build left in the container's folder. */
    private static void removeLeftovers(ContainerDir container) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(container.dir(), TMP_PREFIX + "*")) {
            for (Path entry : entries) {
                Trees.delete(entry);
            }
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** The copied root of {@code container} as the API describes it. */
    static MountedRootfs rootfs(ContainerDir container, boolean present) {
        String rootfs = container.rootfs().toString();
        return new MountedRootfs(container.id(), rootfs, rootfs, KIND, present);
    }
}
