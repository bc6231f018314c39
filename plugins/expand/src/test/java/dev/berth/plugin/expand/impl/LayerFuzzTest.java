package dev.berth.plugin.expand.impl;

import dev.berth.api.testing.Tries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Digest;
import dev.berth.api.plugin.ScratchFolder;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property-based and fuzz tests of the tar unpacker behind the expand stage ({@link LayerUnpacker} into a
 * {@link SnapshotStore} snapshot, as {@link TarExpandStage} runs it). Layers are generated from a hostile model
 * (random names with {@code ..}, absolute host paths, long, unicode and NUL components; files, directories,
 * symlinks with absolute, relative and escaping targets, hard links, devices, fifos, odd type flags, whiteouts,
 * opaque markers, duplicated names) or made by mutating valid layers byte by byte (flips, inserts, deletions,
 * truncation, spliced blocks, header fields rewritten with a fixed checksum, then optionally gzip or zstd). For
 * every layer this proves:
 * <ul>
 *   <li>the unpack either succeeds or fails with a {@link BerthException} (INVALID or UNAVAILABLE) with a
 *       message; never another exception type, and never a hang (each unpack runs under a timeout);</li>
 *   <li>nothing is created or changed outside the snapshot: each try's folder holds only the store, a planted
 *       {@code sentinel} directory that every escaping symlink and hard link targets (it stays empty) and a
 *       planted {@code outside.txt} (unchanged), and the JUnit folder above holds only the try's folder;</li>
 *   <li>a failed unpack leaves no snapshot under its final name and no {@code tmp-*} directory; a committed one
 *       is exactly one snapshot under its chain id.</li>
 * </ul>
 * Both properties must see successes and failures, so a generator that degenerates fails the test.
 */
class LayerFuzzTest {
    private static final Duration UNPACK_TIMEOUT = Duration.ofSeconds(30);
    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "layer-fuzz");
        t.setDaemon(true);
        return t;
    });
    private static final String[] PLAIN = {"a", "b", "c", "d", "etc", "usr", "bin"};
    private static final String[] HOSTILE = {".", "..", "", "ü", "名前", "😀", "sp ace", "line\nfeed", "back\\slash",
        "x".repeat(255), "y".repeat(300), ".wh.a", ".wh..wh..opq", ".wh..wh.plnk", ".wh.", ".wh..", "nul\0byte",
        "-rf", "%2e%2e", "sentinel", "outside.txt"};

    @TempDir
    Path base;

    /** What a try may refer to: its folder, the planted sentinel directory and file. */
    record Fixture(Path dir, Path sentinel, Path outside) {
    }

    /** A layer blob, the tar inside it, how it was made, and whether its DiffID is the blob's digest. */
    record Layer(byte[] blob, String description, boolean plain) {
    }

    /** One tar entry to write. */
    record Spec(byte type, String name, String link, byte[] content, int mode, long uid, Map<String, String> pax,
            int major, int minor) {
        @Override
        public String toString() {
            return (char) type + " \"" + shorten(name) + "\""
                    + (link == null ? "" : " -> \"" + shorten(link) + "\"")
                    + (pax.isEmpty() ? "" : " pax" + pax.keySet());
        }
    }

    /** Counts outcomes, so a degenerate generator (all accepted or all rejected) is noticed. */
    static final class Outcomes {
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger rejected = new AtomicInteger();
        final Map<ErrorKind, Integer> kinds = new java.util.concurrent.ConcurrentHashMap<>();

        void assertBothSeen(int tries) {
            assertTrue(accepted.get() > 0, "no layer of " + tries + " was accepted: the generator is degenerate");
            assertTrue(rejected.get() > 0, "no layer of " + tries + " was rejected: the generator is degenerate");
        }
    }

    @AfterAll
    static void stopWorker() {
        WORKER.shutdownNow();
    }

    @Test
    void generatedHostileLayersNeverEscapeTheSnapshot() {
        Outcomes outcomes = new Outcomes();
        int tries = Tries.check("expand.generated-layers", 120, Duration.ofSeconds(6),
                (random, i) -> unpackOnce(i, random, f -> generated(random, f), outcomes));
        outcomes.assertBothSeen(tries);
    }

    @Test
    void mutatedLayersFailCleanlyOrStayInsideTheSnapshot() {
        Outcomes outcomes = new Outcomes();
        int tries = Tries.check("expand.mutated-layers", 200, Duration.ofSeconds(4),
                (random, i) -> unpackOnce(i, random, f -> mutated(random, f), outcomes));
        outcomes.assertBothSeen(tries);
    }

    /** A generator of one layer for a fixture. */
    @FunctionalInterface
    interface Maker {
        Layer make(Fixture f) throws IOException;
    }

    private void unpackOnce(int index, Random random, Maker maker, Outcomes outcomes) throws Exception {
        Path dir = Files.createDirectory(base.resolve("t" + index));
        Fixture f = new Fixture(dir, Files.createDirectory(dir.resolve("sentinel")),
                Files.writeString(dir.resolve("outside.txt"), "outside"));
        Layer layer = maker.make(f);
        SnapshotStore store = new SnapshotStore(dir.resolve("store"));
        Digest chainId = Digest.sha256(Trees.sha256(layer.blob()));
        boolean commit = layer.plain() && random.nextInt(4) == 0;
        Future<Boolean> run = WORKER.submit(() -> {
            try (SnapshotStore.Snapshot s = store.prepare(chainId)) {
                UnpackResult result = new LayerUnpacker().unpack(new ByteArrayInputStream(layer.blob()), s.fs());
                if (commit) {
                    s.commit(null, result);
                    return true;
                }
                return false;
            }
        });
        boolean committed = false;
        try {
            committed = run.get(UNPACK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            outcomes.accepted.incrementAndGet();
        } catch (TimeoutException e) {
            run.cancel(true);
            fail("unpack did not finish within " + UNPACK_TIMEOUT + " for " + layer.description());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof BerthException b)) {
                throw new AssertionError("unpack threw " + e.getCause() + " (not a BerthException) for "
                        + layer.description(), e.getCause());
            }
            assertTrue(b.kind() == ErrorKind.INVALID || b.kind() == ErrorKind.UNAVAILABLE,
                    b.kind() + ": " + b.getMessage());
            assertFalse(b.getMessage() == null || b.getMessage().isBlank(), "a rejection without a message");
            outcomes.rejected.incrementAndGet();
            outcomes.kinds.merge(b.kind(), 1, Integer::sum);
        }
        assertNothingOutside(f, store, committed ? chainId : null, layer);
        ScratchFolder.delete(dir);
        try (Stream<Path> left = Files.list(base)) {
            assertEquals(List.of(), left.toList(), "the JUnit folder holds only the try's folder");
        }
    }

    private void assertNothingOutside(Fixture f, SnapshotStore store, Digest committed, Layer layer)
            throws IOException {
        String what = " after " + layer.description();
        assertEquals(Set.of("sentinel", "outside.txt", "store"), names(f.dir()), "the try's folder" + what);
        assertEquals(Set.of(), names(f.sentinel()), "the sentinel directory stays empty" + what);
        assertTrue(Files.isRegularFile(f.outside(), LinkOption.NOFOLLOW_LINKS), "outside.txt is still a file" + what);
        assertEquals("outside", Files.readString(f.outside()), "outside.txt is unchanged" + what);
        assertEquals(Set.of("snapshots"), names(f.dir().resolve("store")), "the store holds only snapshots/" + what);
        Set<String> snapshots = names(store.directory());
        if (committed == null) {
            assertEquals(Set.of(), snapshots, "no snapshot and no tmp-* left" + what);
        } else {
            assertEquals(Set.of(committed.hex()), snapshots, "exactly the committed snapshot" + what);
            assertTrue(store.lookup(committed).isPresent(), "the committed snapshot is found" + what);
        }
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return new TreeSet<>(list.map(p -> p.getFileName().toString()).toList());
        }
    }

    // ---- generated layers ----------------------------------------------------------------------------------

    private static Layer generated(Random random, Fixture f) throws IOException {
        List<Spec> specs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int count = 1 + random.nextInt(12);
        for (int k = 0; k < count; k++) {
            Spec spec = spec(random, f, names);
            specs.add(spec);
            names.add(spec.name());
        }
        byte[] tar = write(specs);
        String compression = pick(random, "none", "none", "none", "none", "gzip", "zstd");
        return new Layer(compress(tar, compression), compression + " tar " + specs, compression.equals("none"));
    }

    private static Spec spec(Random random, Fixture f, List<String> earlier) {
        String name = name(random, f, earlier);
        int depth = Math.max(0, depth(name) - 1);
        int mode = random.nextInt(4) == 0 ? random.nextInt(010000) : 0644;
        long uid = switch (random.nextInt(12)) {
            case 0 -> 1000;
            case 1 -> 65534;
            case 2 -> 1L << 32;
            default -> 0;
        };
        int kind = random.nextInt(100);
        if (kind < 30) {
            return new Spec(TarConstants.LF_NORMAL, name, null, bytes(random, random.nextInt(3000)), mode, uid,
                    pax(random), 0, 0);
        } else if (kind < 45) {
            return new Spec(TarConstants.LF_DIR, name.endsWith("/") ? name : name + "/", null, new byte[0],
                    random.nextBoolean() ? 0755 : mode, uid, pax(random), 0, 0);
        } else if (kind < 65) {
            return new Spec(TarConstants.LF_SYMLINK, name, symlinkTarget(random, f, earlier, depth), new byte[0], 0777,
                    uid, Map.of(), 0, 0);
        } else if (kind < 75) {
            return new Spec(TarConstants.LF_LINK, name, hardlinkTarget(random, f, earlier, depth), new byte[0], mode,
                    uid, Map.of(), 0, 0);
        } else if (kind < 80) {
            boolean zero = random.nextBoolean();
            return new Spec(TarConstants.LF_CHR, name, null, new byte[0], 0666, uid, Map.of(), zero ? 0 : 1,
                    zero ? 0 : pickInt(random, 3, 5));
        } else if (kind < 83) {
            return new Spec(TarConstants.LF_BLK, name, null, new byte[0], 0660, uid, Map.of(), 8, 0);
        } else if (kind < 88) {
            return new Spec(TarConstants.LF_FIFO, name, null, new byte[0], 0600, uid, Map.of(), 0, 0);
        } else if (kind < 94) {
            String parent = earlier.isEmpty() || random.nextBoolean() ? "" : earlier.get(random.nextInt(earlier.size()));
            String hidden = random.nextInt(3) == 0 ? pick(random, HOSTILE) : pick(random, PLAIN);
            return new Spec(TarConstants.LF_NORMAL, join(parent, ".wh." + hidden), null, new byte[0], 0644, 0,
                    Map.of(), 0, 0);
        } else if (kind < 97) {
            String parent = earlier.isEmpty() || random.nextBoolean() ? pick(random, PLAIN)
                    : earlier.get(random.nextInt(earlier.size()));
            return new Spec(TarConstants.LF_NORMAL, join(parent, ".wh..wh..opq"), null, new byte[0], 0644, 0,
                    Map.of(), 0, 0);
        } else {
            byte odd = (byte) pickInt(random, 'Z', '7', 'V', 'K', 'L', 'S', 'D', 'M', 'N');
            return new Spec(odd, name, null, bytes(random, random.nextInt(600)), mode, 0, Map.of(), 0, 0);
        }
    }

    private static String name(Random random, Fixture f, List<String> earlier) {
        int r = random.nextInt(100);
        if (r < 12 && !earlier.isEmpty()) {
            return earlier.get(random.nextInt(earlier.size())); // a duplicate
        } else if (r < 17) {
            return f.sentinel() + "/" + pick(random, PLAIN); // an absolute host path: lands inside the root
        } else if (r < 20) {
            return "a/".repeat(1000 + random.nextInt(1100)) + "x"; // around the 4096 limit
        } else if (r < 25) {
            return "../".repeat(1 + random.nextInt(6)) + "sentinel/" + pick(random, PLAIN);
        }
        StringBuilder name = new StringBuilder(pick(random, "", "", "", "/", "./", "//"));
        int parts = 1 + random.nextInt(4);
        for (int i = 0; i < parts; i++) {
            if (i > 0) {
                name.append('/');
            }
            name.append(random.nextInt(5) == 0 ? pick(random, HOSTILE) : pick(random, PLAIN));
        }
        if (random.nextInt(8) == 0) {
            name.append('/');
        }
        return name.toString();
    }

    /** Symlink targets: escaping (relative, to the sentinel or above it), absolute host paths, chains, junk. */
    private static String symlinkTarget(Random random, Fixture f, List<String> earlier, int depth) {
        return switch (random.nextInt(13)) {
            case 0 -> "../".repeat(depth + 4) + "sentinel";
            case 1 -> "../".repeat(depth + 5) + f.dir().getFileName() + "/sentinel";
            case 2 -> "../".repeat(1 + random.nextInt(depth + 4));
            case 3 -> f.sentinel().toString();
            case 4 -> f.outside().toString();
            case 5, 6 -> earlier.isEmpty() ? "a" : earlier.get(random.nextInt(earlier.size()));
            case 7 -> earlier.isEmpty() ? "/a" : "/" + earlier.get(random.nextInt(earlier.size()));
            case 8 -> pick(random, ".", "..", "", "a/../..", "./../sentinel");
            case 9 -> pick(random, HOSTILE);
            case 10 -> "z".repeat(5000);
            case 11 -> "nul\0target";
            default -> pick(random, PLAIN);
        };
    }

    private static String hardlinkTarget(Random random, Fixture f, List<String> earlier, int depth) {
        return switch (random.nextInt(8)) {
            case 0, 1, 2 -> earlier.isEmpty() ? "a" : earlier.get(random.nextInt(earlier.size()));
            case 3 -> "../".repeat(depth + 4) + "outside.txt";
            case 4 -> f.outside().toString();
            case 5 -> f.sentinel().toString();
            case 6 -> pick(random, "", ".", "/", "..", "a/..");
            default -> (earlier.isEmpty() ? "a" : earlier.get(random.nextInt(earlier.size()))) + "/..";
        };
    }

    private static Map<String, String> pax(Random random) {
        if (random.nextInt(8) != 0) {
            return Map.of();
        }
        Map<String, String> pax = new LinkedHashMap<>();
        switch (random.nextInt(5)) {
            case 0 -> pax.put("SCHILY.xattr.user.fuzz", "v" + random.nextInt(1000));
            case 1 -> pax.put("SCHILY.xattr.trusted.overlay.redirect", "/etc");
            case 2 -> pax.put("SCHILY.xattr.", "nameless");
            case 3 -> pax.put("LIBARCHIVE.xattr.user.b64", "!!not base64");
            default -> pax.put("SCHILY.xattr.user." + "n".repeat(300), "long name");
        }
        return pax;
    }

    /** The tar of {@code specs}; a spec the writer refuses is left out (the writer is not under test). */
    private static byte[] write(List<Spec> specs) throws IOException {
        List<Spec> remaining = new ArrayList<>(specs);
        while (true) {
            int failed = -1;
            try (TarBuilder t = new TarBuilder()) {
                for (int i = 0; i < remaining.size(); i++) {
                    failed = i;
                    Spec s = remaining.get(i);
                    TarArchiveEntry e = TarBuilder.entry(s.name(), s.type());
                    e.setMode(s.mode());
                    e.setUserId(s.uid());
                    if (s.link() != null) {
                        e.setLinkName(s.link());
                    }
                    if (s.type() == TarConstants.LF_CHR || s.type() == TarConstants.LF_BLK) {
                        e.setDevMajor(s.major());
                        e.setDevMinor(s.minor());
                    }
                    s.pax().forEach(e::addPaxHeader);
                    t.add(e, s.content());
                }
                failed = -1;
                return t.toByteArray();
            } catch (IOException | RuntimeException refused) {
                if (failed < 0) {
                    throw refused;
                }
                remaining.remove(failed);
            }
        }
    }

    // ---- mutated layers ------------------------------------------------------------------------------------

    private static Layer mutated(Random random, Fixture f) throws IOException {
        byte[] tar = validLayer(random, f);
        List<String> steps = new ArrayList<>();
        int headerEdits = random.nextInt(3);
        for (int i = 0; i < headerEdits; i++) {
            steps.add(editHeader(random, tar));
        }
        byte[] bytes = tar;
        int mutations = random.nextInt(headerEdits == 0 ? 5 : 3) + (headerEdits == 0 ? 1 : 0);
        String compression = pick(random, "none", "none", "gzip", "zstd");
        boolean mutateAfter = !compression.equals("none") && random.nextBoolean();
        if (!mutateAfter) {
            for (int i = 0; i < mutations; i++) {
                bytes = mutate(random, bytes, steps);
            }
        }
        bytes = compress(bytes, compression);
        if (mutateAfter) {
            for (int i = 0; i < Math.max(1, mutations); i++) {
                bytes = mutate(random, bytes, steps);
            }
        }
        return new Layer(bytes, "valid layer, " + steps + ", then " + compression
                + (mutateAfter ? " and mutated after compression" : ""), compression.equals("none"));
    }

    /** A layer a real image could hold: directories, files, links, a PAX long name, xattrs, a whiteout. */
    private static byte[] validLayer(Random random, Fixture f) throws IOException {
        try (TarBuilder t = new TarBuilder()) {
            t.dir("etc", 0755).file("etc/hostname", "fuzz\n").dir("usr/bin", 0755)
                    .file("usr/bin/tool", bytes(random, 1 + random.nextInt(5000)), 0755, 0, 0, Map.of())
                    .symlink("bin", "usr/bin").symlink("etc/abs", "/usr/bin/tool").hardlink("usr/bin/alias",
                            "usr/bin/tool");
            if (random.nextBoolean()) {
                t.file("deep/" + "long-name-".repeat(15) + "/file", "pax path");
            }
            if (random.nextBoolean()) {
                t.file("xattr", "x".getBytes(StandardCharsets.UTF_8), 0644, 0, 0,
                        Map.of("SCHILY.xattr.user.fuzz", "value"));
            }
            if (random.nextBoolean()) {
                t.file("etc/.wh.gone", "").file("usr/.wh..wh..opq", "");
            }
            if (random.nextBoolean()) {
                t.node("fifo", TarConstants.LF_FIFO, 0600, 0, 0);
            }
            t.symlink("escape", "../../../../sentinel").file("last", bytes(random, random.nextInt(2000)), 0644, 0, 0,
                    Map.of());
            return t.toByteArray();
        }
    }

    /** Rewrites one field of a random header with random or extreme content and fixes its checksum. */
    private static String editHeader(Random random, byte[] tar) {
        List<Integer> headers = new ArrayList<>();
        for (int at = 0; at + 512 <= tar.length; at += 512) {
            byte[] block = Arrays.copyOfRange(tar, at, at + 512);
            if (!isZero(block) && LayerUnpacker.checksumOk(block)) {
                headers.add(at);
            }
        }
        if (headers.isEmpty()) {
            return "no header to edit";
        }
        int at = headers.get(random.nextInt(headers.size()));
        // name 0/100, mode 100/8, uid 108/8, gid 116/8, size 124/12, mtime 136/12, type 156/1, linkname 157/100,
        // magic 257/6, version 263/2, uname 265/32, gname 297/32, devmajor 329/8, devminor 337/8, prefix 345/155
        int[][] fields = {{0, 100}, {100, 8}, {108, 8}, {116, 8}, {124, 12}, {136, 12}, {156, 1}, {157, 100},
            {257, 6}, {263, 2}, {329, 8}, {337, 8}, {345, 155}};
        int[] field = fields[random.nextInt(fields.length)];
        byte[] value = switch (random.nextInt(6)) {
            case 0 -> bytes(random, field[1]);
            case 1 -> "77777777777777".getBytes(StandardCharsets.US_ASCII);
            case 2 -> {
                byte[] big = new byte[field[1]];
                Arrays.fill(big, (byte) 0xff);
                big[0] = (byte) 0x80; // base-256: the largest number the field can hold
                yield big;
            }
            case 3 -> "../../../../sentinel/x\0".getBytes(StandardCharsets.US_ASCII);
            case 4 -> new byte[] {(byte) pickInt(random, '0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'S')};
            default -> "-1 \0".getBytes(StandardCharsets.US_ASCII);
        };
        System.arraycopy(value, 0, tar, at + field[0], Math.min(value.length, field[1]));
        fixChecksum(tar, at);
        return "header@" + at + " field@" + field[0] + "=" + shorten(new String(value, StandardCharsets.ISO_8859_1));
    }

    private static void fixChecksum(byte[] tar, int at) {
        Arrays.fill(tar, at + 148, at + 156, (byte) ' ');
        long sum = 0;
        for (int i = at; i < at + 512; i++) {
            sum += tar[i] & 0xff;
        }
        byte[] octal = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(octal, 0, tar, at + 148, 8);
    }

    /** One byte-level mutation: flip, set, insert, delete, truncate, or splice a block over another. */
    private static byte[] mutate(Random random, byte[] in, List<String> steps) {
        if (in.length == 0) {
            steps.add("insert into empty");
            return bytes(random, 1 + random.nextInt(600));
        }
        int at = random.nextInt(in.length);
        switch (random.nextInt(6)) {
            case 0 -> {
                byte[] out = in.clone();
                out[at] ^= (byte) (1 << random.nextInt(8));
                steps.add("flip@" + at);
                return out;
            }
            case 1 -> {
                byte[] out = in.clone();
                out[at] = (byte) random.nextInt(256);
                steps.add("set@" + at);
                return out;
            }
            case 2 -> {
                byte[] extra = bytes(random, 1 + random.nextInt(64));
                byte[] out = new byte[in.length + extra.length];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(extra, 0, out, at, extra.length);
                System.arraycopy(in, at, out, at + extra.length, in.length - at);
                steps.add("insert" + extra.length + "@" + at);
                return out;
            }
            case 3 -> {
                int n = Math.min(in.length - at, 1 + random.nextInt(600));
                byte[] out = new byte[in.length - n];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + n, out, at, in.length - at - n);
                steps.add("delete" + n + "@" + at);
                return out;
            }
            case 4 -> {
                steps.add("truncate@" + at);
                return Arrays.copyOf(in, at);
            }
            default -> {
                if (in.length < 1024) {
                    steps.add("no splice");
                    return in;
                }
                int blocks = in.length / 512;
                int from = random.nextInt(blocks) * 512;
                int to = random.nextInt(blocks) * 512;
                byte[] out = in.clone();
                System.arraycopy(in, from, out, to, 512);
                steps.add("splice" + from + "->" + to);
                return out;
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static byte[] compress(byte[] tar, String compression) throws IOException {
        if (compression.equals("none")) {
            return tar;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream c = compression.equals("gzip") ? new GZIPOutputStream(out) : new ZstdOutputStream(out)) {
            c.write(tar);
        }
        return out.toByteArray();
    }

    private static int depth(String name) {
        int depth = 0;
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            depth = c.equals("..") ? Math.max(0, depth - 1) : depth + 1;
        }
        return depth;
    }

    private static String join(String parent, String base) {
        String p = parent.endsWith("/") ? parent.substring(0, parent.length() - 1) : parent;
        return p.isEmpty() ? base : p + "/" + base;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    private static int pickInt(Random random, int... values) {
        return values[random.nextInt(values.length)];
    }

    private static String shorten(String s) {
        String shown = s.length() > 80 ? s.substring(0, 80) + "...(" + s.length() + " chars)" : s;
        return shown.replace("\0", "\\0").replace("\n", "\\n");
    }
}
