package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.api.container.FileChange;
import dev.berth.api.container.FileChange.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Test helpers for diffs and tars: the image and the container writes of the diff tests, a reader of tar
 * entries and of raw tar headers, an applier of OCI layer tars, and tree descriptions to compare.
 */
final class DiffFixture {
    /** A name longer than the 100 bytes of a ustar name field. */
    static final String LONG_NAME = "l".repeat(120) + ".txt";
    /** The modification time given to /added.txt: 1600000000.5 s. */
    static final FileTime ADDED_MTIME = FileTime.fromMillis(1_600_000_000_500L);

    /** What the container did, as both snapshotters must report it. */
    static final List<FileChange> EXPECTED_CHANGES = List.of(
            change("A /added-hard"),
            change("A /added.txt"),
            change("A /app.sock"),
            change("C /data"),
            change("D /data/keep"),
            change("D /data/old"),
            change("C /etc"),
            change("C /etc/config"),
            change("A /gone-in-top"),
            change("A /link-to-config"),
            change("A /" + LONG_NAME),
            change("C /mode-me"),
            change("C /opq"),
            change("A /opq/hidden"),
            change("A /run-fifo"),
            change("C /srv"),
            change("A /tty-like"),
            change("A /usr"),
            change("A /usr/local"),
            change("A /usr/local/bin"),
            change("A /usr/local/bin/suid"),
            change("C /var"),
            change("C /var/lib"),
            change("D /var/lib/x"),
            change("D /var/lib/y"),
            change("A /var/lib/z"));

    /** Paths of the container view a layer tar does not carry: runtime placeholders and the socket. */
    static final List<String> NOT_IN_LAYER = List.of("etc/hosts", "proc", "dev", "run/.containerenv", "app.sock",
            // Only its mtime differs: the placeholder in it was made after the image.
            "run");

    private DiffFixture() {
    }

    static FileChange change(String line) {
        String[] parts = line.split(" ", 2);
        Kind kind = switch (parts[0]) {
            case "A" -> Kind.ADDED;
            case "C" -> Kind.CHANGED;
            case "D" -> Kind.DELETED;
            default -> throw new IllegalArgumentException(line);
        };
        return new FileChange(parts[1], kind);
    }

    /**
     * The image, bottom first. Bottom: bin/tool, data/{keep,old/f1,old/sub/f2}, etc/{passwd,config},
     * gone-in-top, mode-me, opq/hidden, run/lock, srv/, var/lib/{x,y}, var/log. Top: a whiteout for
     * gone-in-top, etc/config changed, opq/ opaque holding only new.
     */
    static List<Path> image(Path tmp) throws Exception {
        Path bottom = dir(tmp.resolve("image/bottom"), 0755);
        file(dir(bottom.resolve("bin"), 0755).resolve("tool"), "tool", 0755);
        Path data = dir(bottom.resolve("data"), 0755);
        file(data.resolve("keep"), "keep", 0644);
        file(dir(data.resolve("old"), 0755).resolve("f1"), "1", 0644);
        file(dir(data.resolve("old/sub"), 0755).resolve("f2"), "2", 0644);
        file(dir(bottom.resolve("etc"), 0755).resolve("passwd"), "root:x:0:0", 0644);
        file(bottom.resolve("etc/config"), "v1", 0644);
        file(bottom.resolve("gone-in-top"), "g", 0644);
        file(bottom.resolve("mode-me"), "m", 0644);
        file(dir(bottom.resolve("opq"), 0755).resolve("hidden"), "h", 0644);
        file(dir(bottom.resolve("run"), 0755).resolve("lock"), "l", 0644);
        dir(bottom.resolve("srv"), 0755);
        file(dir(bottom.resolve("var/lib"), 0755).resolve("x"), "x", 0644);
        file(bottom.resolve("var/lib/y"), "y", 0644);
        file(bottom.resolve("var/log"), "log", 0644);
        Files.setAttribute(bottom.resolve("var"), "unix:mode", 0755);

        Path top = dir(tmp.resolve("image/top"), 0755);
        Fixture.whiteout(top.resolve("gone-in-top"));
        file(dir(top.resolve("etc"), 0755).resolve("config"), "v2", 0644);
        file(dir(top.resolve("opq"), 0755).resolve("new"), "n", 0644);
        Fixture.opaque(top.resolve("opq"));
        oldTimes(bottom);
        oldTimes(top);
        return List.of(bottom, top);
    }

    /** Makes every change of {@link #EXPECTED_CHANGES}, and runtime placeholders, in the container view. */
    static void touch(Path view, Path tmp) throws Exception {
        Path added = file(view.resolve("added.txt"), "hello", 0644);
        Files.setLastModifiedTime(added, ADDED_MTIME);
        Files.createLink(view.resolve("added-hard"), added);
        Files.writeString(view.resolve("etc/config"), "v3");
        Files.delete(view.resolve("data/keep"));
        Trees.delete(view.resolve("data/old"));
        Trees.delete(view.resolve("var/lib"));
        file(dir(view.resolve("var/lib"), 0755).resolve("z"), "z", 0644);
        Files.setAttribute(view.resolve("mode-me"), "unix:mode", 0600);
        Files.createSymbolicLink(view.resolve("link-to-config"), Path.of("etc/config"));
        Files.writeString(view.resolve("gone-in-top"), "back");
        Files.writeString(view.resolve("opq/hidden"), "again");
        Files.setAttribute(view.resolve("srv"), "unix:mode", 0750);
        Files.createDirectories(view.resolve("usr/local/bin"));
        Path suid = file(view.resolve("usr/local/bin/suid"), "s", 0644);
        Files.setAttribute(suid, "unix:uid", 1000);
        Files.setAttribute(suid, "unix:gid", 1001);
        Files.setAttribute(suid, "unix:mode", 04750);
        Fixture.run("mknod", "-m", "640", view.resolve("run-fifo").toString(), "p");
        Fixture.run("mknod", "-m", "620", view.resolve("tty-like").toString(), "c", "5", "1");
        socket(view.resolve("app.sock"), tmp);
        file(view.resolve(LONG_NAME), "long", 0644);
        // What a runtime leaves: mount points for files and file systems it mounts.
        Files.createFile(view.resolve("etc/hosts"));
        Files.createDirectory(view.resolve("proc"));
        Files.createDirectories(view.resolve("dev/pts"));
        Files.createDirectories(view.resolve("dev/shm"));
        Files.createFile(view.resolve("run/.containerenv"));
    }

    /**
     * Makes a unix socket file at {@code path}, through a short symlink to its directory since a socket
     * address holds at most 108 bytes.
     */
    static void socket(Path path, Path tmp) throws IOException {
        Path shortDir = Files.createTempDirectory(Path.of("/tmp"), "s");
        try {
            Path link = Files.createSymbolicLink(shortDir.resolve("d"), path.getParent());
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(link.resolve(path.getFileName())));
            }
        } finally {
            Trees.delete(shortDir);
        }
    }

    static Path dir(Path dir, int mode) throws IOException {
        Files.createDirectories(dir);
        Files.setAttribute(dir, "unix:mode", mode);
        return dir;
    }

    static Path file(Path file, String content, int mode) throws IOException {
        Files.writeString(file, content);
        Files.setAttribute(file, "unix:mode", mode);
        return file;
    }

    /** Sets every mtime below {@code root} (links excluded) to {@link Fixture#OLD}, deepest first. */
    static void oldTimes(Path root) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = new ArrayList<>(s.toList());
        }
        all.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path p : all) {
            FileMeta m = FileMeta.read(p);
            if (m.type() == FileMeta.Type.REGULAR || m.isDirectory()) {
                Files.setLastModifiedTime(p, Fixture.OLD);
            }
        }
    }

    /**
     * One line per path below {@code root} (root excluded): type and mode, owner, link count for
     * non-directories, size and content of files, link targets, device numbers, mtime in seconds
     * (symlinks excepted).
     */
    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                FileMeta m = FileMeta.read(p);
                StringBuilder sb = new StringBuilder(m.type().toString()).append(' ')
                        .append(Integer.toOctalString(m.perms())).append(' ')
                        .append(m.uid()).append(':').append(m.gid());
                if (!m.isDirectory()) {
                    sb.append(" links=").append(m.nlink());
                }
                switch (m.type()) {
                    case REGULAR -> sb.append(" size=").append(m.size()).append(" '").append(Files.readString(p))
                            .append('\'');
                    case SYMLINK -> sb.append(" -> ").append(Files.readSymbolicLink(p));
                    case CHAR_DEVICE, BLOCK_DEVICE -> sb.append(" rdev=").append(m.rdev());
                    default -> { }
                }
                if (m.type() != FileMeta.Type.SYMLINK) {
                    sb.append(" mtime=").append(m.mtime().toInstant().getEpochSecond());
                }
                out.put(root.relativize(p).toString(), sb.toString());
            }
        }
        return out;
    }

    /** {@code tree} without the given paths and what is below them. */
    static Map<String, String> without(Map<String, String> tree, List<String> paths) {
        Map<String, String> out = new TreeMap<>(tree);
        out.keySet().removeIf(p -> paths.stream().anyMatch(x -> p.equals(x) || p.startsWith(x + "/")));
        return out;
    }

    /** One tar entry as commons-compress reads it. */
    record Entry(String name, char type, int mode, long uid, long gid, long mtime, long size, String link,
            int major, int minor) {
        /** "name type mode uid:gid" plus the link target, device numbers or size where they apply. */
        String summary() {
            String base = name + " " + type + " " + Integer.toOctalString(mode) + " " + uid + ":" + gid;
            return switch (type) {
                case '0' -> base + " size=" + size;
                case '1', '2' -> base + " -> " + link;
                case '3', '4' -> base + " dev=" + major + "," + minor;
                default -> base;
            };
        }
    }

    /** The entries of the tar {@code file}, in order. */
    static List<Entry> entries(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(file), "UTF-8")) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.add(new Entry(e.getName(), (char) e.getLinkFlag(), e.getMode(), e.getLongUserId(),
                        e.getLongGroupId(), e.getLastModifiedTime().toInstant().getEpochSecond(), e.getSize(),
                        e.getLinkName(), e.getDevMajor(), e.getDevMinor()));
            }
        }
        return out;
    }

    /** A 512-byte header of a tar as written, read without any tar library. */
    record RawHeader(String name, char type, String mode, String userName, String groupName, String mtime) {
    }

    /** Every header block of the tar {@code file} (PAX headers included), by walking its records. */
    static List<RawHeader> rawHeaders(Path file) throws IOException {
        byte[] tar = Files.readAllBytes(file);
        List<RawHeader> out = new ArrayList<>();
        int at = 0;
        while (at + 512 <= tar.length && tar[at] != 0) {
            long size = Long.parseLong(field(tar, at + 124, 12).strip(), 8);
            out.add(new RawHeader(field(tar, at, 100), (char) tar[at + 156], field(tar, at + 100, 8),
                    field(tar, at + 265, 32), field(tar, at + 297, 32), field(tar, at + 136, 12)));
            at += 512 + (int) ((size + 511) / 512 * 512);
        }
        assertEquals(0, tar.length % 512, "a tar is whole records");
        for (int i = at; i < tar.length; i++) {
            assertEquals(0, tar[i], "only zero blocks may follow the last entry");
        }
        return out;
    }

    private static String field(byte[] tar, int from, int length) {
        int end = from;
        while (end < from + length && tar[end] != 0) {
            end++;
        }
        return new String(tar, from, end - from, StandardCharsets.UTF_8);
    }

    static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            md.update(in.readAllBytes());
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    /** Builds the image in the fresh directory {@code target} and applies the layer tar on top. */
    static void applyImageAndLayer(List<Path> image, Path layerTar, Path target) throws Exception {
        Files.createDirectories(target);
        for (Path layer : image) {
            new LayerCopier().apply(layer, target);
        }
        applyLayer(layerTar, target);
    }

    /**
     * Applies an OCI layer tar onto {@code root} as image-spec layer.md says: {@code .wh..wh..opq} empties
     * its directory of what was there before, {@code .wh.NAME} deletes NAME, any other entry replaces what
     * is at its path (a directory over a directory is kept); owners, modes and mtimes are applied,
     * directory mtimes last.
     */
    static void applyLayer(Path layerTar, Path root) throws Exception {
        Map<Path, FileTime> dirTimes = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(layerTar), "UTF-8")) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                Path path = root.resolve(e.getName());
                String base = path.getFileName().toString();
                if (base.equals(".wh..wh..opq")) {
                    Trees.clear(path.getParent());
                    continue;
                }
                if (base.startsWith(".wh.")) {
                    Trees.delete(path.resolveSibling(base.substring(4)));
                    continue;
                }
                FileMeta there = FileMeta.readIfExists(path);
                if (there != null && !(there.isDirectory() && e.isDirectory())) {
                    Trees.delete(path);
                    there = null;
                }
                if (e.isLink()) {
                    Files.createLink(path, root.resolve(e.getLinkName()));
                    continue;
                }
                if (e.isDirectory()) {
                    if (there == null) {
                        Files.createDirectory(path);
                    }
                } else if (e.isSymbolicLink()) {
                    Files.createSymbolicLink(path, Path.of(e.getLinkName()));
                } else if (e.isCharacterDevice() || e.isBlockDevice()) {
                    Fixture.run("mknod", path.toString(), e.isCharacterDevice() ? "c" : "b",
                            Integer.toString(e.getDevMajor()), Integer.toString(e.getDevMinor()));
                } else if (e.isFIFO()) {
                    Fixture.run("mknod", path.toString(), "p");
                } else {
                    Files.copy(in, path);
                }
                Files.setAttribute(path, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(path, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
                if (e.isSymbolicLink()) {
                    continue;
                }
                Files.setAttribute(path, "unix:mode", e.getMode() & 07777);
                if (e.isDirectory()) {
                    dirTimes.put(path, e.getLastModifiedTime());
                } else if (e.isFIFO() || e.isCharacterDevice() || e.isBlockDevice()) {
                    // Never opened: opening a fifo blocks.
                    Fixture.run("touch", "-h", "-c", "-d", "@" + e.getLastModifiedTime().toInstant().getEpochSecond(),
                            path.toString());
                } else {
                    Files.setLastModifiedTime(path, e.getLastModifiedTime());
                }
            }
        }
        List<Path> dirs = new ArrayList<>(dirTimes.keySet());
        dirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path dir : dirs) {
            Files.setLastModifiedTime(dir, dirTimes.get(dir));
        }
    }

    /** Extracts {@code tar} into the new directory {@code target} with GNU tar, owners and modes kept. */
    static Path extract(Path tar, Path target) throws Exception {
        Files.createDirectories(target);
        Fixture.run("tar", "-x", "-p", "--numeric-owner", "-f", tar.toString(), "-C", target.toString());
        return target;
    }
}
