package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.image.Digest;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {

    @TempDir
    Path tmp;

    private final LayerUnpacker unpacker = new LayerUnpacker();

    /** A layer with one entry of every type and every kind of metadata. */
    static byte[] everyType() throws IOException {
        try (TarBuilder t = new TarBuilder()) {
            t.dir("./", 0755);
            t.dir("./bin", 0711);
            t.file("./bin/su", "setuid".getBytes(StandardCharsets.UTF_8), 04755, 0, 0, Map.of());
            t.file("./bin/wall", "setgid".getBytes(StandardCharsets.UTF_8), 02755, 0, 5, Map.of());
            t.dir("./tmp", 01777);
            t.dir("./home/u", 0700);
            t.file("./home/u/owned", "mine".getBytes(StandardCharsets.UTF_8), 0600, 1000, 1001,
                    Map.of("SCHILY.xattr.user.comment", "hello", "SCHILY.xattr.trusted.berth", "t-value"));
            t.symlink("./home/u/link", "../../etc/shadow-not-here");
            t.symlink("./abs", "/bin/su");
            t.hardlink("./bin/su-hard", "./bin/su");
            t.node("./dev/null", TarConstants.LF_CHR, 0666, 1, 3);
            t.node("./dev/loop9", TarConstants.LF_BLK, 0660, 7, 9);
            t.node("./run/fifo", TarConstants.LF_FIFO, 0640, 0, 0);
            t.file("./long/" + "n".repeat(150) + "/" + "m".repeat(150), "long name".getBytes(StandardCharsets.UTF_8),
                    0644, 0, 0, Map.of());
            t.file("./bin/su", "setuid v2".getBytes(StandardCharsets.UTF_8), 04755, 0, 0, Map.of()); // replaces
            t.dir("./tmp", 01777); // directory over a directory keeps it
            return t.toByteArray();
        }
    }

    @Test
    void everyEntryTypeRoundTrips() throws Exception {
        byte[] layer = everyType();
        Path root = Files.createDirectory(tmp.resolve("root"));
        UnpackResult r = unpacker.unpack(new ByteArrayInputStream(layer), root);

        assertEquals(Digest.sha256(Trees.sha256(layer)), r.diffId());
        assertEquals(layer.length, r.bytes());
        assertEquals(16, r.entries());
        assertEquals(5, r.files());
        assertEquals(5, r.directories());
        assertEquals(2, r.symlinks());
        assertEquals(1, r.hardlinks());
        assertEquals(3, r.devices());
        assertEquals(0, r.whiteouts());
        assertEquals(0, r.xattrsSkipped(), r.warnings().toString());

        assertEquals(0104755, Trees.mode(root.resolve("bin/su")));
        assertEquals("setuid v2", Files.readString(root.resolve("bin/su")));
        assertEquals(0102755, Trees.mode(root.resolve("bin/wall")));
        assertEquals(5, Trees.unix(root.resolve("bin/wall")).get("gid"));
        assertEquals(041777, Trees.mode(root.resolve("tmp")));
        assertEquals(040711, Trees.mode(root.resolve("bin")));
        assertEquals(040700, Trees.mode(root.resolve("home/u")));
        assertEquals(040755, Trees.mode(root.resolve("home")), "implicit parent");

        Map<String, Object> owned = Trees.unix(root.resolve("home/u/owned"));
        assertEquals(1000, owned.get("uid"));
        assertEquals(1001, owned.get("gid"));
        assertEquals(FileTime.from(TarBuilder.MTIME, java.util.concurrent.TimeUnit.SECONDS),
                owned.get("lastModifiedTime"));
        assertEquals(FileTime.from(TarBuilder.MTIME, java.util.concurrent.TimeUnit.SECONDS),
                Files.readAttributes(root.resolve("home/u/owned"), BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).lastAccessTime(), "a file's atime is its mtime when the entry has none");
        assertEquals("hello", Trees.xattr(root.resolve("home/u/owned"), "user.comment"));
        assertEquals("t-value", Trees.xattr(root.resolve("home/u/owned"), "trusted.berth"));

        Path link = root.resolve("home/u/link");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("../../etc/shadow-not-here", Files.readSymbolicLink(link).toString());
        assertEquals("/bin/su", Files.readSymbolicLink(root.resolve("abs")).toString());
        assertEquals(FileTime.from(TarBuilder.MTIME, java.util.concurrent.TimeUnit.SECONDS),
                Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS), "symlink mtime set without following");

        // The hardlink was made before bin/su was replaced, so it keeps the first content and inode.
        assertEquals("setuid", Files.readString(root.resolve("bin/su-hard")));
        assertNotEquals(Trees.unix(root.resolve("bin/su")).get("ino"), Trees.unix(root.resolve("bin/su-hard")).get("ino"),
                "a later entry replaces the path (unlink, then create), it does not write through the old inode");

        Map<String, Object> dev = Trees.unix(root.resolve("dev/null"));
        assertEquals(0020666, dev.get("mode"));
        assertEquals((1L << 8) | 3, ((Number) dev.get("rdev")).longValue());
        Map<String, Object> blk = Trees.unix(root.resolve("dev/loop9"));
        assertEquals(0060660, blk.get("mode"));
        assertEquals((7L << 8) | 9, ((Number) blk.get("rdev")).longValue());
        assertEquals(0010640, Trees.mode(root.resolve("run/fifo")));
        assertEquals("long name", Files.readString(root.resolve("long/" + "n".repeat(150) + "/" + "m".repeat(150))));

        assertEquals(FileTime.from(TarBuilder.MTIME, java.util.concurrent.TimeUnit.SECONDS),
                Files.getLastModifiedTime(root.resolve("bin"), LinkOption.NOFOLLOW_LINKS), "dir mtime applied last");
        assertEquals(FileTime.from(TarBuilder.MTIME, java.util.concurrent.TimeUnit.SECONDS),
                Files.readAttributes(root.resolve("bin"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .lastAccessTime(), "a directory's atime too");
    }

    /**
     * Files of every size around the 512-byte record and the unpacker's 8 KiB skip buffer, each followed by
     * another entry: each keeps exactly its bytes, so the rest of every entry and its record padding were
     * skipped by exactly the right amount (the unpacker does that itself, not Commons Compress).
     */
    @Test
    void filesOfEverySizeAroundARecordKeepTheirBytes() throws Exception {
        int[] sizes = {0, 1, 511, 512, 513, 1023, 1024, 1025, 8191, 8192, 8193, 8704, 10_000};
        byte[] layer;
        try (TarBuilder t = new TarBuilder()) {
            for (int size : sizes) {
                byte[] content = new byte[size];
                for (int i = 0; i < size; i++) {
                    content[i] = (byte) (i * 7 + size);
                }
                t.file("f" + size, content, 0644, 0, 0, Map.of());
                t.dir("d" + size, 0755);
            }
            t.file("last", "end");
            layer = t.toByteArray();
        }
        Path root = Files.createDirectory(tmp.resolve("root"));
        UnpackResult r = unpacker.unpack(new ByteArrayInputStream(layer), root);

        assertEquals(2 * sizes.length + 1, r.entries());
        assertEquals(Digest.sha256(Trees.sha256(layer)), r.diffId());
        for (int size : sizes) {
            byte[] read = Files.readAllBytes(root.resolve("f" + size));
            assertEquals(size, read.length, "f" + size);
            for (int i = 0; i < size; i++) {
                assertEquals((byte) (i * 7 + size), read[i], "f" + size + " byte " + i);
            }
            assertTrue(Files.isDirectory(root.resolve("d" + size)), "d" + size);
        }
        assertEquals("end", Files.readString(root.resolve("last")));
    }

    @Test
    void hardlinkSharesTheInode() throws Exception {
        byte[] layer;
        try (TarBuilder t = new TarBuilder()) {
            layer = t.file("a", "same").hardlink("b", "a").hardlink("dir/c", "./a").toByteArray();
        }
        Path root = Files.createDirectory(tmp.resolve("root"));
        UnpackResult r = unpacker.unpack(new ByteArrayInputStream(layer), root);
        assertEquals(2, r.hardlinks());
        Object ino = Trees.unix(root.resolve("a")).get("ino");
        assertEquals(ino, Trees.unix(root.resolve("b")).get("ino"));
        assertEquals(ino, Trees.unix(root.resolve("dir/c")).get("ino"));
        assertEquals(3, Trees.unix(root.resolve("a")).get("nlink"));
    }

    @Test
    void gzipZstdAndPlainGiveTheSameTreeAndDiffId() throws Exception {
        byte[] plain = everyType();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(plain);
        }
        ByteArrayOutputStream zs = new ByteArrayOutputStream();
        try (ZstdOutputStream out = new ZstdOutputStream(zs)) {
            out.write(plain);
        }
        Map<String, String> expected = null;
        for (Map.Entry<String, byte[]> c : Map.of("plain", plain, "gzip", gz.toByteArray(), "zstd", zs.toByteArray())
                .entrySet()) {
            Path root = Files.createDirectory(tmp.resolve(c.getKey()));
            UnpackResult r = unpacker.unpack(new ByteArrayInputStream(c.getValue()), root);
            assertEquals(Digest.sha256(Trees.sha256(plain)), r.diffId(), c.getKey());
            assertEquals(plain.length, r.bytes(), c.getKey());
            Map<String, String> tree = Trees.describe(root, true);
            tree.remove("");
            if (expected == null) {
                expected = tree;
            } else {
                assertEquals(expected, tree, c.getKey());
            }
        }
    }

    @Test
    void zstdFromTheCliIsRead() throws Exception {
        if (!Trees.onPath("zstd")) {
            System.out.println("SKIP zstdFromTheCliIsRead: zstd CLI not installed (the aircompressor round trip"
                    + " in gzipZstdAndPlainGiveTheSameTreeAndDiffId still covers zstd)");
            assumeTrue(false);
        }
        byte[] plain = everyType();
        Path tar = Files.write(tmp.resolve("l.tar"), plain);
        Trees.check(List.of("zstd", "-q", "-19", tar.toString(), "-o", tmp.resolve("l.tar.zst").toString()));
        Path root = Files.createDirectory(tmp.resolve("root"));
        try (InputStream in = Files.newInputStream(tmp.resolve("l.tar.zst"))) {
            assertEquals(Digest.sha256(Trees.sha256(plain)), unpacker.unpack(in, root).diffId());
        }
        assertEquals("setuid v2", Files.readString(root.resolve("bin/su")));
    }

    @Test
    void whiteoutsBecomeOverlayMarkers() throws Exception {
        byte[] layer;
        try (TarBuilder t = new TarBuilder()) {
            layer = t.file(".wh.a", "").dir("d", 0755).file("d/.wh..wh..opq", "").file("d/new", "n")
                    .file("e/.wh.gone", "").file(".wh..wh.plnk", "").toByteArray();
        }
        Path root = Files.createDirectory(tmp.resolve("root"));
        UnpackResult r = unpacker.unpack(new ByteArrayInputStream(layer), root);
        assertEquals(3, r.whiteouts());
        for (Path wh : List.of(root.resolve("a"), root.resolve("e/gone"))) {
            Map<String, Object> a = Trees.unix(wh);
            assertEquals(0020000, (Integer) a.get("mode") & 0170000, wh + " is a char device");
            assertEquals(0L, ((Number) a.get("rdev")).longValue(), wh + " is 0:0");
        }
        assertFalse(Files.exists(root.resolve(".wh.a"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(root.resolve("d/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(root.resolve(".wh..wh.plnk"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("y", Trees.xattr(root.resolve("d"), "trusted.overlay.opaque"));
        assertEquals(null, Trees.xattr(root.resolve("e"), "trusted.overlay.opaque"));
    }

    @Test
    void overlayMountHonoursConvertedWhiteouts() throws Exception {
        byte[] lower;
        byte[] upper;
        try (TarBuilder t = new TarBuilder()) {
            lower = t.file("a", "a").file("d/keep", "k").file("b", "b").toByteArray();
        }
        try (TarBuilder t = new TarBuilder()) {
            upper = t.file(".wh.a", "").file("d/.wh..wh..opq", "").file("d/new", "n").toByteArray();
        }
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        Digest lowerDiff = Digest.sha256(Trees.sha256(lower));
        Digest lowerChain = SnapshotStore.chainId(null, lowerDiff);
        Digest upperChain = SnapshotStore.chainId(lowerChain, Digest.sha256(Trees.sha256(upper)));
        Path lowerFs;
        Path upperFs;
        try (SnapshotStore.Snapshot s = store.prepare(lowerChain)) {
            lowerFs = s.commit(null, unpacker.unpack(new ByteArrayInputStream(lower), s.fs()));
        }
        try (SnapshotStore.Snapshot s = store.prepare(upperChain)) {
            upperFs = s.commit(lowerChain, unpacker.unpack(new ByteArrayInputStream(upper), s.fs()));
        }
        Path merged = Files.createDirectory(tmp.resolve("merged"));
        Trees.Result mount = Trees.run(List.of("mount", "-t", "overlay", "overlay", "-o",
                "ro,lowerdir=" + upperFs + ":" + lowerFs, merged.toString()));
        if (mount.rc() != 0) {
            System.out.println("SKIP overlayMountHonoursConvertedWhiteouts: mount -t overlay failed (not root or"
                    + " no overlayfs?): " + mount.output().strip());
            assumeTrue(false);
        }
        try {
            assertFalse(Files.exists(merged.resolve("a"), LinkOption.NOFOLLOW_LINKS), "a is whited out");
            assertEquals("b", Files.readString(merged.resolve("b")));
            Set<String> names = new TreeSet<>();
            try (Stream<Path> s = Files.list(merged.resolve("d"))) {
                s.forEach(p -> names.add(p.getFileName().toString()));
            }
            assertEquals(Set.of("new"), names, "d is opaque");
        } finally {
            Trees.check(List.of("umount", merged.toString()));
        }
    }

    @Test
    void matchesGnuTar() throws Exception {
        if (!Trees.onPath("tar")) {
            System.out.println("SKIP matchesGnuTar: GNU tar not installed");
            assumeTrue(false);
        }
        byte[] plain;
        try (TarBuilder t = new TarBuilder()) {
            t.dir("./", 0755);
            t.dir("./etc", 0755);
            t.file("./etc/passwd", "root:x:0:0::/root:/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0644, 0, 0, Map.of());
            t.file("./etc/shadow", "root:*:1::::::\n".getBytes(StandardCharsets.UTF_8), 0640, 0, 42, Map.of());
            t.dir("./usr/bin", 0755);
            t.file("./usr/bin/passwd", new byte[1000], 04755, 0, 0, Map.of());
            t.file("./usr/bin/crontab", new byte[2000], 02755, 0, 102, Map.of());
            t.hardlink("./usr/bin/chfn", "./usr/bin/passwd");
            t.symlink("./bin", "usr/bin");
            t.symlink("./usr/bin/sh", "/bin/busybox");
            t.dir("./tmp", 01777);
            t.dir("./home/user", 0750);
            t.file("./home/user/.profile", "x".repeat(5000).getBytes(StandardCharsets.UTF_8), 0600, 1000, 1000,
                    Map.of("SCHILY.xattr.user.mark", "m"));
            t.node("./dev/console", TarConstants.LF_CHR, 0600, 5, 1);
            t.node("./run/pipe", TarConstants.LF_FIFO, 0644, 0, 0);
            plain = t.toByteArray();
        }
        Path gz = tmp.resolve("layer.tar.gz");
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(plain);
        }
        Path ours = Files.createDirectory(tmp.resolve("ours"));
        Path theirs = Files.createDirectory(tmp.resolve("theirs"));
        try (InputStream in = Files.newInputStream(gz)) {
            unpacker.unpack(in, ours);
        }
        Trees.check(List.of("tar", "-xzf", gz.toString(), "-C", theirs.toString(), "--numeric-owner", "-p",
                "--xattrs", "--xattrs-include=*"));
        Map<String, String> a = Trees.describe(ours, true);
        Map<String, String> b = Trees.describe(theirs, true);
        assertEquals(b, a);
        assertEquals(Trees.xattr(theirs.resolve("home/user/.profile"), "user.mark"),
                Trees.xattr(ours.resolve("home/user/.profile"), "user.mark"));
        assertNotEquals(0, a.size());
    }

    @Test
    void binaryXattrsFromGnuTarSurvive() throws Exception {
        if (!Trees.onPath("tar")) {
            System.out.println("SKIP binaryXattrsFromGnuTarSurvive: GNU tar not installed");
            assumeTrue(false);
        }
        Path src = Files.createDirectory(tmp.resolve("src"));
        Path f = Files.writeString(src.resolve("f"), "hi");
        Trees.check(List.of("setfattr", "-n", "user.bin", "-v", "0sAAEC/4CBAA==", f.toString()));
        Trees.check(List.of("setfattr", "-n", "security.capability", "-v",
                "0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=", f.toString()));
        Path tar = tmp.resolve("l.tar");
        Trees.check(List.of("tar", "--xattrs", "--xattrs-include=*", "-C", src.toString(), "-cf", tar.toString(), "f"));
        Path root = Files.createDirectory(tmp.resolve("root"));
        try (InputStream in = Files.newInputStream(tar)) {
            UnpackResult r = unpacker.unpack(in, root);
            assertEquals(0, r.xattrsSkipped(), r.warnings().toString());
        }
        for (String name : List.of("user.bin", "security.capability")) {
            assertEquals(hex(f, name), hex(root.resolve("f"), name), name);
        }
    }

    private static String hex(Path p, String name) throws Exception {
        Trees.Result r = Trees.run(List.of("getfattr", "-h", "--absolute-names", "-e", "hex", "-n", name, p.toString()));
        assertEquals(0, r.rc(), r.output());
        return r.output().lines().filter(l -> l.startsWith(name + "=")).findFirst().orElse(r.output());
    }

    @Test
    void emptyAndZeroOnlyStreamsAreEmptyLayers() throws Exception {
        for (byte[] layer : List.of(new byte[0], new byte[1024])) {
            Path root = Files.createTempDirectory(tmp, "root");
            UnpackResult r = unpacker.unpack(new ByteArrayInputStream(layer), root);
            assertEquals(0, r.entries());
            assertEquals(Digest.sha256(Trees.sha256(layer)), r.diffId());
        }
    }
}
