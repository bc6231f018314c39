package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.Objects;

/**
 * Deletes directory trees a container may have shaped; stateless and thread-safe.
 *
 * <p>Nothing is followed: a symbolic link is deleted itself, never its target, and a directory on
 * another device (a mount point, such as a still-mounted root filesystem) stops the walk with an error
 * instead of being emptied.
 */
final class Trees {
    private Trees() {
    }

    /** Deletes {@code path} and everything below it; nothing if it does not exist. */
    static void delete(Path path) throws IOException {
        walk(path, true);
    }

    /** Deletes everything below the directory {@code dir}, keeping {@code dir} itself. */
    static void clear(Path dir) throws IOException {
        walk(dir, false);
    }

    private static void walk(Path top, boolean deleteTop) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(top, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attrs.isDirectory()) {
            if (deleteTop) {
                Files.delete(top);
            }
            return;
        }
        Object device = device(top);
        Files.walkFileTree(top, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) throws IOException {
                        if (!Objects.equals(device(dir), device)) {
                            throw new IOException("refusing to delete " + dir + ": it is on another filesystem"
                                    + " (still mounted?)");
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                        if (e instanceof NoSuchFileException) {
                            return FileVisitResult.CONTINUE;
                        }
                        throw e;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                        if (e != null) {
                            throw e;
                        }
                        if (deleteTop || !dir.equals(top)) {
                            Files.deleteIfExists(dir);
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
    }

    private static Object device(Path path) throws IOException {
        return Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    }
}
