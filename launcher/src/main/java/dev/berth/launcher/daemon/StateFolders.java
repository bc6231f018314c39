package dev.berth.launcher.daemon;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * Creates and checks the folders the daemon writes to: the state root (mode 0711) and the run folder (0755)
 * are created if missing, and each must accept a new file. The state root can be traversed but not listed
 * by others, because a container in a user namespace runs as an unprivileged host uid that must reach its
 * root filesystem and bundle files under it (Docker's root is 0710 for the same reason); the folders
 * holding the log, blobs, layer snapshots and checkpoints stay private (0700). Each failure is a {@link DaemonException} naming
 * the folder and the cause. Stateless; thread-safe.
 */
public final class StateFolders {

    /** Mode of a newly created state root. */
    public static final Set<PosixFilePermission> ROOT_MODE = PosixFilePermissions.fromString("rwx--x--x");
    /** Folders under the state root that nobody but root needs to reach, kept at 0700. */
    public static final List<String> PRIVATE_FOLDERS = List.of("events", "content", "snapshots", "checkpoints");
    /** Folders a user-namespace container's root passes through, kept at 0711 (not listable). */
    public static final List<String> PASSAGE_FOLDERS = List.of("containers", "mounts", "runtimes");
    private static final Set<PosixFilePermission> PRIVATE_MODE = PosixFilePermissions.fromString("rwx------");
    /** Mode of a newly created run folder. */
    public static final Set<PosixFilePermission> RUN_MODE = PosixFilePermissions.fromString("rwxr-xr-x");

    private StateFolders() {
    }

    /** Prepares the state root and the run folder. */
    public static void prepare(Path root, Path run) throws DaemonException {
        prepare(root, "state root", ROOT_MODE);
        traversable(root);
        for (String name : PRIVATE_FOLDERS) {
            exactly(root.resolve(name), PRIVATE_MODE);
        }
        for (String name : PASSAGE_FOLDERS) {
            exactly(root.resolve(name), ROOT_MODE);
        }
        prepare(run, "run folder", RUN_MODE);
    }

    /** Creates {@code folder} if missing and sets its mode to {@code mode}, whatever it was. */
    private static void exactly(Path folder, Set<PosixFilePermission> mode) throws DaemonException {
        prepare(folder, "state folder", mode);
        try {
            Files.setPosixFilePermissions(folder, mode);
        } catch (IOException e) {
            throw new DaemonException("cannot set the mode of state folder " + folder + ": " + IoErrors.cause(e), e);
        }
    }

    /** A state root made by an older Berth (0700) gets the search bits containers in user namespaces need. */
    private static void traversable(Path root) throws DaemonException {
        try {
            Set<PosixFilePermission> mode = new java.util.HashSet<>(Files.getPosixFilePermissions(root));
            if (mode.add(PosixFilePermission.GROUP_EXECUTE) | mode.add(PosixFilePermission.OTHERS_EXECUTE)) {
                Files.setPosixFilePermissions(root, mode);
            }
        } catch (IOException e) {
            throw new DaemonException("cannot make state root " + root + " traversable: " + IoErrors.cause(e), e);
        }
    }

    /**
     * Creates {@code folder} with {@code mode} if it is missing, then proves it writable by creating and
     * deleting a probe file.
     *
     * @param role how messages name the folder, e.g. {@code state root}
     */
    public static void prepare(Path folder, String role, Set<PosixFilePermission> mode) throws DaemonException {
        if (!Files.isDirectory(folder)) {
            if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
                throw new DaemonException(role + " " + folder + " exists but is not a folder");
            }
            try {
                Path parent = folder.getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.createDirectory(folder);
                // The umask may have narrowed the mode; set it exactly.
                Files.setPosixFilePermissions(folder, mode);
            } catch (FileAlreadyExistsException e) {
                // createDirectories reports a parent that is a regular file this way.
                if (!Files.isDirectory(folder)) {
                    String cause = e.getFile() == null || e.getFile().equals(folder.toString())
                            ? "File exists" : e.getFile() + " is not a folder";
                    throw new DaemonException("cannot create " + role + " " + folder + ": " + cause, e);
                }
            } catch (IOException e) {
                if (!Files.isDirectory(folder)) {
                    throw new DaemonException("cannot create " + role + " " + folder + ": " + IoErrors.cause(e), e);
                }
                // Another process created it meanwhile; the probe below decides whether it is usable.
            }
        }
        Path probe = folder.resolve(".berth-write-probe-" + ProcessHandle.current().pid());
        try {
            Files.write(probe, new byte[] {'o', 'k'}, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
            Files.delete(probe);
        } catch (IOException e) {
            throw new DaemonException(role + " " + folder + " is not writable: " + IoErrors.cause(e), e);
        }
    }
}
