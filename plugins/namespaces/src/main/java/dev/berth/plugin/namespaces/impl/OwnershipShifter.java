package dev.berth.plugin.namespaces.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Makes a container's own rootfs fit its user namespace: every entry of the tree (the root included) is
 * re-owned so that an image id {@code u} becomes the host id the map gives for container id {@code u}
 * (with {@code 0:1000000:65536}, root's files become 1000000's). Thread-safe: shifts of the same tree are
 * serialised.
 *
 * <p>Rules: entries are changed with lchown and never followed (a symlink is re-owned itself, its target
 * is never touched); the walk never leaves the tree, since symlinked directories are not entered; a hard
 * linked file is shifted once; an id the map does not cover is left as it is and counted (the container
 * sees it as the overflow id, nobody); setuid/setgid bits, which the kernel clears on chown even for
 * root, are put back. The map applied is recorded in the extended attribute {@code user.berth.idmap} on
 * the root, so shifting again with the same map does nothing and shifting with another map starts from
 * the recorded one rather than from image ids. Without that attribute the tree's ids are image ids.
 *
 * <p>Cost: one lstat per entry plus one lchown per changed id. On an overlay root the first chown of a
 * lower-layer file copies it up into the container's upper layer: with {@code metacopy=on} that is a
 * metadata-only copy, without it the whole file is copied, so a shifted Debian root (about 7,000 entries,
 * 127 MB) costs that much disk and time per container. Idmapped mounts would avoid it; runc 1.1.5 does not
 * offer them.
 *
 * <p>Known limits: the kernel drops {@code security.capability} (file capabilities) on chown and Java
 * cannot write that attribute, so files with capabilities lose them; the tree must not change while it is
 * shifted (it is the container's own, before the container runs); an interrupted shift leaves a half
 * shifted tree and no record, which a later shift with the same map would shift again.
 */
final class OwnershipShifter {
    /** Name, in the {@code user.} namespace, of the attribute recording the applied map. */
    static final String MARKER = "berth.idmap";
    private static final int EXAMPLES = 5;
    /** Shifts of one tree are serialised by one of these, picked by the tree's path: bounded, unlike a lock per path. */
    private static final Object[] LOCKS = new Object[64];

    static {
        for (int i = 0; i < LOCKS.length; i++) {
            LOCKS[i] = new Object();
        }
    }

    /**
     * What one shift did: {@code entries} seen, {@code changed} re-owned, {@code unmapped} left because an
     * id is outside the map (with a few {@code examples}), and whether the map was {@code alreadyApplied}
     * (nothing done) and {@code recorded} on the root. Immutable.
     */
    record Result(long entries, long changed, long unmapped, List<String> examples, boolean alreadyApplied,
            boolean recorded) {
        Result {
            examples = List.copyOf(examples);
        }
    }

    /** Shifts {@code root} to {@code uids}/{@code gids}; fails on the first entry it cannot change. */
    Result shift(Path root, IdMap uids, IdMap gids) throws IOException {
        Path key = root.toAbsolutePath().normalize();
        Object lock = LOCKS[Math.floorMod(key.hashCode(), LOCKS.length)];
        synchronized (lock) {
            return shiftLocked(key, uids, gids);
        }
    }

    /** The maps recorded on {@code root} by an earlier shift, as {@code uid=MAP;gid=MAP}, if any. */
    static Optional<String> recorded(Path root) {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(root, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return Optional.empty();
        }
        try {
            if (!view.list().contains(MARKER)) {
                return Optional.empty();
            }
            ByteBuffer buffer = ByteBuffer.allocate(view.size(MARKER));
            view.read(MARKER, buffer);
            return Optional.of(new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
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
            return new Result(0, 0, 0, List.of(), true, true);
        }
        IdMap oldUids = null;
        IdMap oldGids = null;
        if (previous.isPresent()) {
            String[] parts = previous.get().split(";");
            try {
                oldUids = IdMap.parse(parts[0].substring("uid=".length()));
                oldGids = IdMap.parse(parts[1].substring("gid=".length()));
            } catch (RuntimeException e) {
                throw new IOException(root + ": unreadable user." + MARKER + " \"" + previous.get() + "\"", e);
            }
        }
        Walker walker = new Walker(oldUids, oldGids, uids, gids);
        Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE, walker);
        boolean recorded = record(root, wanted);
        return new Result(walker.entries, walker.changed, walker.unmapped, walker.examples, false, recorded);
    }

    private static boolean record(Path root, String value) {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(root, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return false;
        }
        try {
            view.write(MARKER, ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII)));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Visits every entry once; not thread-safe (one per shift). */
    private static final class Walker extends SimpleFileVisitor<Path> {
        private final IdMap oldUids;
        private final IdMap oldGids;
        private final IdMap uids;
        private final IdMap gids;
        private final Set<Object> hardLinks = new HashSet<>();
        private final List<String> examples = new ArrayList<>();
        long entries;
        long changed;
        long unmapped;

        Walker(IdMap oldUids, IdMap oldGids, IdMap uids, IdMap gids) {
            this.oldUids = oldUids;
            this.oldGids = oldGids;
            this.uids = uids;
            this.gids = gids;
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
            Map<String, Object> unix = Files.readAttributes(path, "unix:uid,gid,mode,nlink", LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isDirectory() && (Integer) unix.get("nlink") > 1 && !hardLinks.add(attrs.fileKey())) {
                return; // another name of a file already shifted
            }
            long uid = Integer.toUnsignedLong((Integer) unix.get("uid"));
            long gid = Integer.toUnsignedLong((Integer) unix.get("gid"));
            OptionalLong newUid = translate(uid, oldUids, uids);
            OptionalLong newGid = translate(gid, oldGids, gids);
            if (newUid.isEmpty() || newGid.isEmpty()) {
                unmapped++;
                if (examples.size() < EXAMPLES) {
                    examples.add(path.getFileName() + " (" + uid + ":" + gid + ")");
                }
            }
            boolean change = false;
            try {
                if (newUid.isPresent() && newUid.getAsLong() != uid) {
                    Files.setAttribute(path, "unix:uid", (int) newUid.getAsLong(), LinkOption.NOFOLLOW_LINKS);
                    change = true;
                }
                if (newGid.isPresent() && newGid.getAsLong() != gid) {
                    Files.setAttribute(path, "unix:gid", (int) newGid.getAsLong(), LinkOption.NOFOLLOW_LINKS);
                    change = true;
                }
                int mode = (Integer) unix.get("mode");
                if (change && attrs.isRegularFile() && (mode & 06000) != 0) {
                    // chown cleared setuid/setgid; the entry is a regular file, so this follows no link.
                    Files.setAttribute(path, "unix:mode", mode & 07777);
                }
            } catch (FileSystemException e) {
                throw new IOException("change the owner of " + path + ": " + e.getReason(), e);
            }
            if (change) {
                changed++;
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
