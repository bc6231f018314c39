package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * What {@code lstat} says about one filesystem entry, as far as diffs and tars need it: type, permission
 * bits (with set-id and sticky bits), numeric owner, size, modification time, identity (device and
 * inode), link count and device number. Read without following links; immutable.
 */
record FileMeta(Type type, int perms, long uid, long gid, long size, FileTime mtime, long dev, long ino, int nlink,
        long rdev) {

    /** The kinds of entries a Linux filesystem holds. */
    enum Type {
        DIRECTORY, REGULAR, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO, SOCKET
    }

    private static final String ATTRIBUTES = "unix:mode,uid,gid,size,lastModifiedTime,dev,ino,nlink,rdev";
    private static final int S_IFMT = 0170000;

    /** The attributes of {@code path} itself (a link is not followed). */
    static FileMeta read(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        return new FileMeta(type(path, mode), mode & 07777, Integer.toUnsignedLong((Integer) a.get("uid")),
                Integer.toUnsignedLong((Integer) a.get("gid")), (Long) a.get("size"),
                (FileTime) a.get("lastModifiedTime"), (Long) a.get("dev"), (Long) a.get("ino"),
                (Integer) a.get("nlink"), (Long) a.get("rdev"));
    }

    /** Like {@link #read}, or null when nothing is at {@code path}. */
    static FileMeta readIfExists(Path path) throws IOException {
        try {
            return read(path);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static Type type(Path path, int mode) throws IOException {
        return switch (mode & S_IFMT) {
            case 0040000 -> Type.DIRECTORY;
            case 0100000 -> Type.REGULAR;
            case 0120000 -> Type.SYMLINK;
            case 0020000 -> Type.CHAR_DEVICE;
            case 0060000 -> Type.BLOCK_DEVICE;
            case 0010000 -> Type.FIFO;
            case 0140000 -> Type.SOCKET;
            default -> throw new IOException(path + ": unknown file type " + Integer.toOctalString(mode));
        };
    }

    boolean isDirectory() {
        return type == Type.DIRECTORY;
    }

    /** Whether this is an overlay whiteout: a character device with device number 0:0. */
    boolean isWhiteout() {
        return type == Type.CHAR_DEVICE && rdev == 0;
    }

    /** Whether {@code other} has the same type, permission bits and owner. */
    boolean sameModeAndOwner(FileMeta other) {
        return type == other.type && perms == other.perms && uid == other.uid && gid == other.gid;
    }
}
