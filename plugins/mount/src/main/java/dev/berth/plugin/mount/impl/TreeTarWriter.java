package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes filesystem entries as tar entries in a form that depends on nothing but the entries: names
 * relative without {@code ./} or {@code /} (directories ending in {@code /}), numeric owners without user
 * or group names, permission bits with set-id and sticky bits, modification times in whole seconds and no
 * access or change times, and PAX headers only where the ustar header cannot hold a value (long names or
 * link targets, large sizes, owners or device numbers; commons-compress names such a header block
 * {@code ./PaxHeaders.X/NAME}, a constant readers ignore). The caller adds entries in {@link TarOrder}.
 * Not thread-safe: one per tar.
 *
 * <p>Regular files, directories, symlinks, character and block devices (with major and minor numbers)
 * and fifos are written; a second path of an inode already written in this tar becomes a hard link entry
 * to the first. Sockets are skipped: a socket is only an address of the process listening on it, and
 * tar has no type for it. Devices and fifos are never opened.
 */
final class TreeTarWriter {
    private static final String WHITEOUT_PREFIX = ".wh.";
    private static final String OPAQUE_WHITEOUT = ".wh..wh..opq";

    /** An inode, by the device and inode numbers {@code lstat} gives. */
    private record Inode(long dev, long ino) {
    }

    private final TarArchiveOutputStream tar;
    private final Map<Inode, String> written = new HashMap<>();
    private final byte[] buffer = new byte[1 << 16];
    private int entries;

    /** A writer onto {@code out}, which {@link #finish} flushes but does not close. */
    TreeTarWriter(OutputStream out) {
        this.tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    /** Adds the entry at {@code source} under the name {@code rel}. */
    void add(String rel, Path source) throws IOException {
        add(rel, source, FileMeta.read(source));
    }

    /** Adds the entry at {@code source}, whose attributes are {@code meta}, under the name {@code rel}. */
    void add(String rel, Path source, FileMeta meta) throws IOException {
        if (meta.type() == FileMeta.Type.SOCKET) {
            return; // see the class comment
        }
        if (!meta.isDirectory() && meta.nlink() > 1) {
            String first = written.putIfAbsent(new Inode(meta.dev(), meta.ino()), rel);
            if (first != null) {
                TarArchiveEntry link = entry(rel, TarConstants.LF_LINK, meta);
                link.setLinkName(first);
                put(link);
                return;
            }
        }
        switch (meta.type()) {
            case DIRECTORY -> put(entry(rel + "/", TarConstants.LF_DIR, meta));
            case REGULAR -> {
                TarArchiveEntry e = entry(rel, TarConstants.LF_NORMAL, meta);
                e.setSize(meta.size());
                tar.putArchiveEntry(e);
                copy(source, meta.size());
                tar.closeArchiveEntry();
                entries++;
            }
            case SYMLINK -> {
                TarArchiveEntry e = entry(rel, TarConstants.LF_SYMLINK, meta);
                e.setLinkName(Files.readSymbolicLink(source).toString());
                put(e);
            }
            case CHAR_DEVICE -> put(device(entry(rel, TarConstants.LF_CHR, meta), meta));
            case BLOCK_DEVICE -> put(device(entry(rel, TarConstants.LF_BLK, meta), meta));
            case FIFO -> put(entry(rel, TarConstants.LF_FIFO, meta));
            default -> throw new IOException(source + ": cannot write a " + meta.type() + " to a tar");
        }
    }

    /** Adds the whiteout {@code .wh.NAME} that deletes {@code rel}; owner root, mode 0, time {@code mtime}. */
    void whiteout(String rel, FileTime mtime) throws IOException {
        put(marker(Names.join(Names.parent(rel), WHITEOUT_PREFIX + Names.last(rel)), mtime));
    }

    /** Adds the opaque whiteout of the directory {@code dirRel}; owner root, mode 0, time {@code mtime}. */
    void opaqueMarker(String dirRel, FileTime mtime) throws IOException {
        put(marker(Names.join(dirRel, OPAQUE_WHITEOUT), mtime));
    }

    /** How many entries were written (PAX headers not counted). */
    int entries() {
        return entries;
    }

    /** Writes the end-of-archive records and flushes; the stream stays open. */
    void finish() throws IOException {
        tar.finish();
        tar.flush();
    }

    private void put(TarArchiveEntry e) throws IOException {
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        entries++;
    }

    /** Copies exactly {@code size} bytes of {@code source}, the size the header announced. */
    private void copy(Path source, long size) throws IOException {
        try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
            long left = size;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException(source + " shrank while being read: it ended " + left + " bytes short of "
                            + size);
                }
                tar.write(buffer, 0, n);
                left -= n;
            }
        }
    }

    private static TarArchiveEntry entry(String name, byte type, FileMeta meta) {
        return header(name, type, meta.perms(), meta.uid(), meta.gid(), meta.mtime());
    }

    private static TarArchiveEntry marker(String name, FileTime mtime) {
        return header(name, TarConstants.LF_NORMAL, 0, 0, 0, mtime);
    }

    private static TarArchiveEntry header(String name, byte type, int perms, long uid, long gid, FileTime mtime) {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setMode(perms);
        e.setUserId(uid);
        e.setGroupId(gid);
        e.setUserName("");
        e.setGroupName("");
        // Whole seconds: a fraction would make commons-compress add a PAX mtime record.
        e.setModTime(FileTime.from(mtime.toInstant().getEpochSecond(), TimeUnit.SECONDS));
        e.setSize(0);
        return e;
    }

    private static TarArchiveEntry device(TarArchiveEntry e, FileMeta meta) {
        e.setDevMajor((int) Nodes.major(meta.rdev()));
        e.setDevMinor((int) Nodes.minor(meta.rdev()));
        return e;
    }
}
