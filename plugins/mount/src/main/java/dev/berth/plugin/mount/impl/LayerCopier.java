package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Set;

/**
 * Applies one layer snapshot onto a tree being built, the way overlayfs would show it on top of what is
 * there: a 0:0 character device deletes that path, an opaque directory hides what was below it, any
 * other entry replaces what was at its path (directories merge). Stateless and thread-safe; each call
 * works on its own target.
 *
 * <p>Nothing is followed: links are copied as links, and every directory the copy writes into was made
 * a real directory earlier in the same walk, so no link in the target can redirect a write. Modes
 * (with set-id bits), owners and timestamps are kept; hardlinks become separate files; sockets are
 * skipped (a socket file is useless without its process); other xattrs, such as file capabilities,
 * are not copied. As in overlayfs, an opaque mark on a layer's root is ignored.
 */
final class LayerCopier {
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;

    /**
     * Applies {@code layerDir} onto the directory {@code target}; the layer's own root attributes are not
     * copied. A {@code layerDir} reached through a symbolic link is walked at its real path.
     */
    void apply(Path layerDir, Path target) throws IOException {
        Path layer = layerDir.toRealPath();
        Set<Path> opaque = OpaqueDirs.find(layer);
        // Directory attributes as read before the walk listed them (listing changes the access time).
        Deque<BasicFileAttributes> dirs = new ArrayDeque<>();
        Files.walkFileTree(layer, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                        dirs.push(attrs);
                        if (dir.equals(layer)) {
                            return FileVisitResult.CONTINUE;
                        }
                        Path rel = layer.relativize(dir);
                        Path dst = target.resolve(rel);
                        if (Files.isDirectory(dst, LinkOption.NOFOLLOW_LINKS)) {
                            if (opaque.contains(rel)) {
                                Trees.clear(dst);
                            }
                        } else {
                            Trees.delete(dst);
                            Files.createDirectory(dst);
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Path dst = target.resolve(layer.relativize(file));
                        Trees.delete(dst);
                        if (!isWhiteout(file, attrs)) {
                            Nodes.copy(file, attrs, dst);
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                        throw e;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                        if (e != null) {
                            throw e;
                        }
                        BasicFileAttributes attrs = dirs.pop();
                        if (!dir.equals(layer)) {
                            Nodes.copyMetadata(dir, target.resolve(layer.relativize(dir)), attrs);
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
    }

    /** Whether {@code file} is an overlay whiteout: a character device with device number 0:0. */
    static boolean isWhiteout(Path file, BasicFileAttributes attrs) throws IOException {
        if (!attrs.isOther()) {
            return false;
        }
        int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        long rdev = (Long) Files.getAttribute(file, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        return (mode & S_IFMT) == S_IFCHR && rdev == 0;
    }
}
