package dev.berth.plugin.spec.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a set of files into a bundle directory all or nothing, as far as the file system allows: every
 * file first goes to a temporary file beside it and is synced (unless the bundle need not survive a host
 * crash: a {@code --rm} container's), then each is renamed over its final name
 * in the order given (callers put {@code config.json} last, so it never names files not yet there). On
 * failure every temporary file and every final file that did not exist before is
 * deleted (a file that existed before and was already replaced keeps its new content). Files are 0644
 * so that a container user other than root can read {@code /etc/hosts}, except {@code config.json},
 * which holds the container's environment (secrets, often) and is read only by the runtime as root:
 * 0600. A directory it creates is 0755, traversable by the runtime in a user namespace. Not
 * thread-safe: one writer per bundle at a time.
 */
final class BundleWriter {
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> PRIVATE_MODE = PosixFilePermissions.fromString("rw-------");
    /** The file only root reads: the spec, with the container's environment. */
    static final String PRIVATE_FILE = "config.json";
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");

    private BundleWriter() {
    }

    /**
     * Writes {@code files} (name to bytes, {@code config.json} last) into {@code dir}, creating it if needed;
     * {@code sync} makes the files and the renames durable before it returns.
     */
    static void writeAll(Path dir, LinkedHashMap<String, byte[]> files, boolean sync) throws IOException {
        boolean createdDir = false;
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(dir);
                Files.setPosixFilePermissions(dir, DIR_MODE);
                createdDir = true;
            } catch (FileAlreadyExistsException e) {
                throw new IOException("bundle directory " + dir + " exists but is not a directory", e);
            }
        }
        Map<String, Path> temps = new LinkedHashMap<>();
        List<Path> created = new ArrayList<>();
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path temp = Files.createTempFile(dir, "." + file.getKey() + ".", ".tmp");
                temps.put(file.getKey(), temp);
                Files.setPosixFilePermissions(temp, file.getKey().equals(PRIVATE_FILE) ? PRIVATE_MODE : FILE_MODE);
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer buffer = ByteBuffer.wrap(file.getValue());
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    if (sync) {
                        channel.force(true);
                    }
                }
            }
            for (Map.Entry<String, Path> temp : temps.entrySet()) {
                Path target = dir.resolve(temp.getKey());
                boolean existed = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
                Files.move(temp.getValue(), target, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                if (!existed) {
                    created.add(target);
                }
            }
            if (sync) {
                syncDirectory(dir);
            }
        } catch (IOException | RuntimeException e) {
            for (Path temp : temps.values()) {
                deleteQuietly(temp, e);
            }
            for (Path file : created) {
                deleteQuietly(file, e);
            }
            if (createdDir) {
                deleteQuietly(dir, e);
            }
            throw e;
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be synced; the renames are still atomic.
        }
    }

    private static void deleteQuietly(Path path, Exception failure) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
