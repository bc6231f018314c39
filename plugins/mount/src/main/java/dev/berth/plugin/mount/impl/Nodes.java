package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Copies single filesystem entries with their metadata, never following links; stateless and
 * thread-safe.
 *
 * <p>Device nodes and fifos are made with {@code mknod} and get their timestamps from {@code touch -h -c},
 * because the JDK sets times through an open file descriptor, and opening a fifo blocks while opening a
 * device talks to its driver. chmod and lchown do not open, so the JDK does those.
 */
final class Nodes {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Nodes() {
    }

    /**
     * Copies the entry {@code src} (attributes read without following links) to the absent path
     * {@code dst}, then its owner, mode and times. Sockets are skipped.
     */
    static void copy(Path src, BasicFileAttributes attrs, Path dst) throws IOException {
        if (attrs.isSymbolicLink()) {
            Files.createSymbolicLink(dst, Files.readSymbolicLink(src));
        } else if (attrs.isRegularFile()) {
            Files.copy(src, dst, LinkOption.NOFOLLOW_LINKS);
        } else if (attrs.isOther()) {
            if (!mknod(src, dst)) {
                return;
            }
        } else {
            throw new IOException("copy " + src + ": unexpected file type");
        }
        copyMetadata(src, dst, attrs);
    }

    /** Gives {@code dst} the owner, permission bits (with set-id and sticky bits) and times of {@code src}. */
    static void copyMetadata(Path src, Path dst, BasicFileAttributes attrs) throws IOException {
        Map<String, Object> a = Files.readAttributes(src, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        // Owner first: chown clears set-id bits, which the mode below puts back.
        Files.setAttribute(dst, "unix:uid", a.get("uid"), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dst, "unix:gid", a.get("gid"), LinkOption.NOFOLLOW_LINKS);
        FileTime modified = attrs.lastModifiedTime();
        FileTime accessed = attrs.lastAccessTime();
        if (attrs.isSymbolicLink()) {
            // Links have no mode of their own; NOFOLLOW times use lutimes, which opens nothing.
            Files.getFileAttributeView(dst, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(modified, accessed, null);
            return;
        }
        // dst is no link (this copy made it), so following changes dst itself.
        Files.setAttribute(dst, "unix:mode", (Integer) a.get("mode") & 07777);
        if (attrs.isOther()) {
            touch(dst, modified);
        } else {
            Files.getFileAttributeView(dst, BasicFileAttributeView.class).setTimes(modified, accessed, null);
        }
    }

    /** Makes the device node or fifo {@code dst} like {@code src}; false for a socket, which is skipped. */
    private static boolean mknod(Path src, Path dst) throws IOException {
        int mode = (Integer) Files.getAttribute(src, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        long rdev = (Long) Files.getAttribute(src, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        String perms = Integer.toOctalString(mode & 0777);
        List<String> command = switch (mode & S_IFMT) {
            case S_IFCHR -> List.of("mknod", "-m", perms, dst.toString(), "c", Long.toString(major(rdev)),
                    Long.toString(minor(rdev)));
            case S_IFBLK -> List.of("mknod", "-m", perms, dst.toString(), "b", Long.toString(major(rdev)),
                    Long.toString(minor(rdev)));
            case S_IFIFO -> List.of("mknod", "-m", perms, dst.toString(), "p");
            case S_IFSOCK -> null;
            default -> throw new IOException("copy " + src + ": unknown file type " + Integer.toOctalString(mode));
        };
        if (command == null) {
            return false;
        }
        HostCommands.check(command, TIMEOUT);
        return true;
    }

    /** Sets the access and modification time of {@code path} without opening it or following a link. */
    private static void touch(Path path, FileTime time) throws IOException {
        Instant t = time.toInstant();
        HostCommands.check(List.of("touch", "-h", "-c", "-d",
                "@" + t.getEpochSecond() + "." + String.format("%09d", t.getNano()), path.toString()), TIMEOUT);
    }

    /** The major number of a Linux {@code dev_t}. */
    static long major(long rdev) {
        return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    }

    /** The minor number of a Linux {@code dev_t}. */
    static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    }
}
