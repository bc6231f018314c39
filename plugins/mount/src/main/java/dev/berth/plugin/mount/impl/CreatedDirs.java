package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The directories one call created, so that a failing call can take back exactly those and nothing that
 * was there before. Not thread-safe: one per call.
 */
final class CreatedDirs {
    private final Deque<Path> created = new ArrayDeque<>();

    /**
     * Creates {@code dir} with permissions {@code perms} ({@code rwxr-xr-x}; not narrowed by the umask)
     * unless it is a directory already; fails if something else is in its place.
     */
    void ensure(Path dir, String perms) throws IOException {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.createDirectory(dir);
        created.push(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms));
    }

    /** Deletes what was created, newest first; problems are added to {@code failure} as suppressed. */
    void undo(Throwable failure) {
        while (!created.isEmpty()) {
            try {
                Trees.delete(created.pop());
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
