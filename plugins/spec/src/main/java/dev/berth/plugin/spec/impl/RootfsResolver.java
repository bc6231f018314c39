package dev.berth.plugin.spec.impl;

import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path as the container will see it to a host path inside the root filesystem, following
 * symbolic links the way the container's kernel would: an absolute link target starts again at the
 * rootfs, {@code ..} stops at the rootfs, and no link is ever followed into the host. At most
 * {@link #MAX_HOPS} links are followed. Stateless and thread-safe; the rootfs is trusted not to change
 * while a lookup runs (a concurrent rename can only make a lookup miss, and the final component is then
 * opened without following links).
 */
final class RootfsResolver {
    /** The kernel's limit on symbolic links followed in one lookup (MAXSYMLINKS). */
    static final int MAX_HOPS = 40;

    private final Path root;

    /** A resolver for {@code root}, an absolute directory on the host. */
    RootfsResolver(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The rootfs directory on the host. */
    Path root() {
        return root;
    }

    /**
     * The host path of {@code containerPath} (absolute, or relative to the container's {@code /}) with
     * every symbolic link resolved inside the rootfs. When a component does not exist, or is not a
     * directory while more components follow, the rest is appended lexically; the caller's own stat then
     * reports it missing. Throws {@link FileSystemLoopException} past {@link #MAX_HOPS} links.
     */
    Path resolve(String containerPath) throws IOException {
        Deque<String> todo = new ArrayDeque<>(split(containerPath));
        List<String> done = new ArrayList<>();
        boolean lexical = false;
        int hops = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            if (lexical) {
                done.add(part);
                continue;
            }
            Path candidate = join(done).resolve(part);
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(candidate, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                lexical = true;
                done.add(part);
                continue;
            }
            if (attributes.isSymbolicLink()) {
                if (++hops > MAX_HOPS) {
                    throw new FileSystemLoopException(containerPath);
                }
                String target = Files.readSymbolicLink(candidate).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> parts = split(target);
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.addFirst(parts.get(i));
                }
                continue;
            }
            done.add(part);
            if (!attributes.isDirectory()) {
                lexical = true;
            }
        }
        return join(done);
    }

    /** The container's view of a host path inside the rootfs ({@code /bin/busybox}). */
    String containerPath(Path hostPath) {
        Path relative = root.relativize(hostPath);
        return "/" + relative.toString();
    }

    private Path join(List<String> parts) {
        Path at = root;
        for (String part : parts) {
            at = at.resolve(part);
        }
        return at;
    }

    private static List<String> split(String path) {
        return List.of(path.split("/", -1));
    }
}
