package dev.berth.plugin.namespaces.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Makes a container's own rootfs fit its user namespace: every entry of the tree (the root included) is
 * re-owned so that an image id {@code u} becomes the host id the map gives for container id {@code u}
 * (with {@code 0:1000000:65536}, root's files become 1000000's). Thread-safe: shifts of trees in the same
 * folder are serialised.
 *
 * <p>Rules: entries are changed with lchown and never followed (a symlink is re-owned itself, its target
 * is never touched); the walk never leaves the tree, since symlinked directories are not entered; a mode is
 * changed only on a regular file, through a descriptor opened with {@code O_NOFOLLOW}, after an lstat has
 * shown that the name is still that regular file (same file key). A hard linked file is shifted once, but a
 * name that repeats a file key is looked at again and shifted on its own when it does not show the ids given
 * to the first name: on overlay a copy-up breaks a hard link while the inode number reported stays the same.
 * An id the map does not cover is left as it is and counted (the container sees it as the overflow id,
 * nobody); such an entry, a regular file, loses its setuid/setgid bits, which would otherwise keep a host
 * id's privilege on a file in the container's mount folder, a folder opened to the mapped root's host group
 * (the kernel ignores set-id bits of unmapped owners inside the namespace, so the container loses nothing).
 * On a shifted file the setuid/setgid bits, which the kernel clears on chown even for root, are put back.
 *
 * <p>The map applied is recorded outside the tree, where the image cannot write it: in the file
 * {@value #RECORD} of the rootfs's parent folder (the container's mount folder, {@code <mounts>/<id>/idmap}),
 * one line {@code NAME<TAB>uid=MAP;gid=MAP} per rootfs of that folder, replaced atomically, root's and mode
 * 0600. Shifting again with the same map does nothing and shifting with another map starts from the recorded
 * one rather than from image ids. Without a record the tree's ids are image ids. The record is kept only when
 * that folder is a directory owned by root that nobody else may write; a record file that is not a root-owned
 * 0600 regular file is refused. The extended attribute {@code user.berth.idmap} an earlier version wrote on
 * the rootfs root is never read: an image layer can set it (PAX {@code SCHILY.xattr.user.*}).
 *
 * <p>Cost: one lstat per entry plus one lchown per changed id. On an overlay root the first chown of a
 * lower-layer file copies it up into the container's upper layer: with {@code metacopy=on} that is a
 * metadata-only copy, without it the whole file is copied, so a shifted Debian root (about 7,000 entries,
 * 127 MB) costs that much disk and time per container. Idmapped mounts would avoid it; runc 1.1.5 does not
 * offer them.
 *
 * <p>Known limits: the kernel drops {@code security.capability} (file capabilities) on chown and Java
 * cannot write that attribute, so files with capabilities lose them; the tree must not change while it is
 * shifted (it is the container's own, before the container runs; a regular file found replaced before its
 * mode is set fails the shift); an interrupted shift leaves a half shifted tree and no record, which a later
 * shift with the same map would shift again.
 */
final class OwnershipShifter {
    /** Name of the file, in the rootfs's parent folder, recording the map applied to each rootfs there. */
    static final String RECORD = "idmap";
    /** Largest record file read: far more than the lines of one mount folder. */
    private static final int RECORD_MAX = 64 * 1024;
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int SET_ID = 06000;
    private static final int EXAMPLES = 5;
    /** Shifts in one folder are serialised by one of these, picked by the folder's path: bounded, unlike a lock per path. */
    private static final Object[] LOCKS = new Object[64];

    static {
        for (int i = 0; i < LOCKS.length; i++) {
            LOCKS[i] = new Object();
        }
    }

    /** Told of each entry once the shifter is done with it; lets a test change the tree mid-walk. */
    @FunctionalInterface
    interface AfterEntry {
        void handled(Path path) throws IOException;
    }

    private final AfterEntry afterEntry;

    OwnershipShifter() {
        this(path -> { });
    }

    /** A shifter that calls {@code afterEntry} after each entry (tests simulate a broken hard link with it). */
    OwnershipShifter(AfterEntry afterEntry) {
        this.afterEntry = Objects.requireNonNull(afterEntry, "afterEntry");
    }

    /**
     * What one shift did: {@code entries} seen, {@code changed} re-owned, {@code unmapped} left because an
     * id is outside the map (with a few {@code examples}), {@code setIdCleared} of those (regular files) whose
     * setuid/setgid bits were cleared, and whether the map was {@code alreadyApplied} (nothing done) and
     * {@code recorded} beside the root. Immutable.
     */
    record Result(long entries, long changed, long unmapped, long setIdCleared, List<String> examples,
            boolean alreadyApplied, boolean recorded) {
        Result {
            examples = List.copyOf(examples);
        }
    }

    /** Shifts {@code root} to {@code uids}/{@code gids}; fails on the first entry it cannot change. */
    Result shift(Path root, IdMap uids, IdMap gids) throws IOException {
        Path key = root.toAbsolutePath().normalize();
        // By folder, not by tree: the trees of one folder share its record file.
        Path folder = key.getParent() == null ? key : key.getParent();
        Object lock = LOCKS[Math.floorMod(folder.hashCode(), LOCKS.length)];
        synchronized (lock) {
            return shiftLocked(key, uids, gids);
        }
    }

    /**
     * The maps recorded for {@code root} by an earlier shift, as {@code uid=MAP;gid=MAP}, if any; fails when
     * the record file is there but not one berth wrote (not a root-owned 0600 regular file).
     */
    static Optional<String> recorded(Path root) throws IOException {
        Path file = recordFile(root);
        if (file == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(readRecords(file).get(root.getFileName().toString()));
    }

    static String marker(IdMap uids, IdMap gids) {
        return "uid=" + uids + ";gid=" + gids;
    }

    private Result shiftLocked(Path root, IdMap uids, IdMap gids) throws IOException {
        BasicFileAttributes rootAttributes = Files.readAttributes(root, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!rootAttributes.isDirectory()) {
            throw new IOException(root + " is not a directory");
        }
        String wanted = marker(uids, gids);
        Optional<String> previous = recorded(root);
        if (previous.isPresent() && previous.get().equals(wanted)) {
            return new Result(0, 0, 0, 0, List.of(), true, true);
        }
        IdMap oldUids = null;
        IdMap oldGids = null;
        if (previous.isPresent()) {
            String[] parts = previous.get().split(";");
            try {
                oldUids = IdMap.parse(parts[0].substring("uid=".length()));
                oldGids = IdMap.parse(parts[1].substring("gid=".length()));
            } catch (RuntimeException e) {
                throw new IOException(recordFile(root) + ": unreadable record \"" + previous.get() + "\" for "
                        + root.getFileName(), e);
            }
        }
        Walker walker = new Walker(oldUids, oldGids, uids, gids, afterEntry);
        Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE, walker);
        boolean recorded = record(root, wanted);
        return new Result(walker.entries, walker.changed, walker.unmapped, walker.setIdCleared, walker.examples,
                false, recorded);
    }

    /**
     * The record file for {@code root}, or null where none can be kept safely: {@code root} has no parent, is
     * named like the record file or with a tab or line break, or its parent is not a directory (a symlink is
     * not followed) owned by root that nobody else may write, such as {@code /tmp}.
     */
    private static Path recordFile(Path root) throws IOException {
        Path parent = root.getParent();
        Path name = root.getFileName();
        if (parent == null || name == null || name.toString().equals(RECORD) || name.toString().contains("\t")
                || name.toString().contains("\n")) {
            return null;
        }
        Map<String, Object> folder = Files.readAttributes(parent, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) folder.get("mode");
        if ((mode & S_IFMT) != S_IFDIR || (Integer) folder.get("uid") != 0 || (mode & 0022) != 0) {
            return null;
        }
        return parent.resolve(RECORD);
    }

    /** The records of {@code file} by rootfs name; empty when there is no such file. */
    private static Map<String, String> readRecords(Path file) throws IOException {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(file, "unix:uid,mode,size", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        int mode = (Integer) attributes.get("mode");
        if ((mode & S_IFMT) != S_IFREG || (Integer) attributes.get("uid") != 0 || (mode & 0077) != 0
                || (Long) attributes.get("size") > RECORD_MAX) {
            throw new IOException(file + ": not a map record of berth's (a root-owned regular file of mode 0600,"
                    + " at most " + RECORD_MAX + " bytes, is expected; found mode " + String.format("%06o", mode)
                    + ", owner " + Integer.toUnsignedString((Integer) attributes.get("uid")) + "); refusing to"
                    + " trust it");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(RECORD_MAX + 1);
        }
        if (bytes.length > RECORD_MAX) {
            throw new IOException(file + ": map record larger than " + RECORD_MAX + " bytes");
        }
        Map<String, String> records = new TreeMap<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab <= 0) {
                throw new IOException(file + ": unreadable map record line \"" + line + "\"");
            }
            records.put(line.substring(0, tab), line.substring(tab + 1));
        }
        return records;
    }

    /**
     * Records {@code value} for {@code root} in its folder's record file, replaced atomically by a 0600 file
     * written beside it; false when no record can be kept there (see {@link #recordFile}).
     */
    private static boolean record(Path root, String value) throws IOException {
        Path file = recordFile(root);
        if (file == null) {
            return false;
        }
        Map<String, String> records = new TreeMap<>(readRecords(file));
        records.put(root.getFileName().toString(), value);
        StringBuilder text = new StringBuilder();
        records.forEach((name, map) -> text.append(name).append('\t').append(map).append('\n'));
        Path folder = file.getParent();
        Path temporary = Files.createTempFile(folder, RECORD + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer buffer = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE); // rename(2): replaces the old record
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IOException("record the map of " + root + " in " + file + ": " + e.getMessage(), e);
        }
        try (FileChannel directory = FileChannel.open(folder, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException e) {
            // Best effort: the rename is done; only its durability across a crash is left to the file system.
        }
        return true;
    }

    /** The owner given to the first name of a hard linked file, and whether it was left unshifted. */
    private record Given(long uid, long gid, boolean unshifted) {
    }

    /** Visits every entry once; not thread-safe (one per shift). */
    private static final class Walker extends SimpleFileVisitor<Path> {
        private final IdMap oldUids;
        private final IdMap oldGids;
        private final IdMap uids;
        private final IdMap gids;
        private final AfterEntry afterEntry;
        /** File key of each file with several names -> what its first name was given. */
        private final Map<Object, Given> hardLinks = new HashMap<>();
        private final List<String> examples = new ArrayList<>();
        long entries;
        long changed;
        long unmapped;
        long setIdCleared;

        Walker(IdMap oldUids, IdMap oldGids, IdMap uids, IdMap gids, AfterEntry afterEntry) {
            this.oldUids = oldUids;
            this.oldGids = oldGids;
            this.uids = uids;
            this.gids = gids;
            this.afterEntry = afterEntry;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            visit(dir, attrs);
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            visit(file, attrs);
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            throw e;
        }

        private void visit(Path path, BasicFileAttributes attrs) throws IOException {
            entries++;
            try {
                shift(path, attrs);
            } catch (FileSystemException e) {
                throw new IOException("change the owner of " + path + ": " + e.getReason(), e);
            }
            afterEntry.handled(path);
        }

        private void shift(Path path, BasicFileAttributes attrs) throws IOException {
            Map<String, Object> unix = Files.readAttributes(path, "unix:uid,gid,mode,nlink", LinkOption.NOFOLLOW_LINKS);
            long uid = Integer.toUnsignedLong((Integer) unix.get("uid"));
            long gid = Integer.toUnsignedLong((Integer) unix.get("gid"));
            int mode = (Integer) unix.get("mode");
            boolean regular = (mode & S_IFMT) == S_IFREG && attrs.isRegularFile();
            Object key = attrs.fileKey();
            boolean linked = !attrs.isDirectory() && (Integer) unix.get("nlink") > 1 && key != null;
            if (linked) {
                Given given = hardLinks.get(key);
                if (given != null && given.uid() == uid && given.gid() == gid) {
                    // Another name of a file already shifted; it shows the ids the first name was given.
                    if (given.unshifted() && regular && (mode & SET_ID) != 0) {
                        setMode(path, key, mode & 07777 & ~SET_ID);
                        setIdCleared++;
                    }
                    return;
                }
                // The first name, or one that does not show the ids given to the first (an overlay copy-up
                // broke the link but kept the inode number): shifted on its own, from the ids it shows.
            }
            OptionalLong newUid = translate(uid, oldUids, uids);
            OptionalLong newGid = translate(gid, oldGids, gids);
            boolean unshifted = newUid.isEmpty() || newGid.isEmpty();
            if (unshifted) {
                unmapped++;
                if (examples.size() < EXAMPLES) {
                    examples.add(path.getFileName() + " (" + uid + ":" + gid + ")");
                }
            }
            boolean change = false;
            if (newUid.isPresent() && newUid.getAsLong() != uid) {
                Files.setAttribute(path, "unix:uid", (int) newUid.getAsLong(), LinkOption.NOFOLLOW_LINKS); // lchown
                change = true;
            }
            if (newGid.isPresent() && newGid.getAsLong() != gid) {
                Files.setAttribute(path, "unix:gid", (int) newGid.getAsLong(), LinkOption.NOFOLLOW_LINKS); // lchown
                change = true;
            }
            if (regular && (mode & SET_ID) != 0) {
                // A shifted file gets back the set-id bits chown cleared; one left unshifted loses them, since
                // it would keep a host id's privilege (e.g. 0:6 mode 2755, host group disk, setgid).
                int wanted = unshifted ? mode & 07777 & ~SET_ID : mode & 07777;
                setMode(path, key, wanted);
                if (unshifted) {
                    setIdCleared++;
                }
            }
            if (change) {
                changed++;
            }
            if (linked) {
                hardLinks.put(key, new Given(newUid.orElse(uid), newGid.orElse(gid), unshifted));
            }
        }

        /**
         * Gives the regular file at {@code path} the permission bits {@code wanted}, unless it has them, after
         * an lstat showing it is still a regular file with file key {@code key}; the change goes through a
         * descriptor opened with {@code O_NOFOLLOW} (fchmod), never through chmod(2), which follows links.
         */
        private static void setMode(Path path, Object key, int wanted) throws IOException {
            Map<String, Object> now = Files.readAttributes(path, "unix:mode,fileKey", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) now.get("mode");
            if ((mode & S_IFMT) != S_IFREG || key == null || !key.equals(now.get("fileKey"))) {
                throw new IOException(path + " is no longer the regular file it was when the shift reached it;"
                        + " refusing to change its mode (the tree must not change while it is shifted)");
            }
            if ((mode & 07777) != wanted) {
                Files.setAttribute(path, "unix:mode", wanted, LinkOption.NOFOLLOW_LINKS);
            }
        }

        /** The host id for {@code id} under {@code to}, having undone {@code from} (null: ids are image ids). */
        private static OptionalLong translate(long id, IdMap from, IdMap to) {
            if (from == null) {
                return to.toHost(id);
            }
            OptionalLong inside = from.toContainer(id);
            return inside.isEmpty() ? OptionalLong.empty() : to.toHost(inside.getAsLong());
        }
    }
}
