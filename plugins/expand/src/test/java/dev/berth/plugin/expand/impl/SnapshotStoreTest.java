package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Digest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {

    @TempDir
    Path tmp;

    private final LayerUnpacker unpacker = new LayerUnpacker();

    private static byte[] layer(String name) throws Exception {
        try (TarBuilder t = new TarBuilder()) {
            return t.file(name, name).toByteArray();
        }
    }

    private List<String> listing(SnapshotStore store) throws Exception {
        try (Stream<Path> s = Files.list(store.directory())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * On ext4 the snapshot directory carries the top-directory flag (lsattr shows {@code T}), so that each new
     * snapshot starts in a block group of the allocator's choosing; elsewhere, or without lsattr, skipped with
     * the reason printed.
     */
    @Test
    void snapshotDirectoryIsATopDirectoryOnExt4() throws Exception {
        String type = Files.getFileStore(tmp).type();
        String skip = !type.startsWith("ext") ? "the temporary directory " + tmp + " is on " + type + ", not ext2/3/4"
                : HostTools.find("lsattr").isEmpty() ? "lsattr is not on PATH (Debian package e2fsprogs)" : null;
        if (skip != null) {
            System.out.println("SKIPPED: SnapshotStoreTest.snapshotDirectoryIsATopDirectoryOnExt4: " + skip);
        }
        Assumptions.assumeTrue(skip == null, skip);

        SnapshotStore store = new SnapshotStore(tmp);
        Process p = new ProcessBuilder(HostTools.resolve("lsattr"), "-d", store.directory().toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.split(" ")[0].contains("T"), "flags of " + store.directory() + ": " + out);
        try (SnapshotStore.Snapshot s = store.prepare(SnapshotStore.chainId(null, Digest.sha256("0".repeat(64))))) {
            assertTrue(Files.isDirectory(s.fs()), "a snapshot is still made in it");
        }
    }

    @Test
    void commitMakesTheFinalDirectoryAppearWithSnapshotJson() throws Exception {
        SnapshotStore store = new SnapshotStore(tmp);
        byte[] base = layer("base");
        byte[] top = layer("top");
        Digest baseDiff = Digest.sha256(Trees.sha256(base));
        Digest topDiff = Digest.sha256(Trees.sha256(top));
        Digest baseChain = SnapshotStore.chainId(null, baseDiff);
        Digest topChain = SnapshotStore.chainId(baseChain, topDiff);
        try (SnapshotStore.Snapshot s = store.prepare(baseChain)) {
            s.commit(null, unpacker.unpack(new ByteArrayInputStream(base), s.fs()));
        }
        try (SnapshotStore.Snapshot s = store.prepare(topChain)) {
            UnpackResult r = unpacker.unpack(new ByteArrayInputStream(top), s.fs());
            assertTrue(store.lookup(topChain).isEmpty(), "not visible before commit");
            assertFalse(Files.exists(store.directory().resolve(topChain.hex())));
            Path fs = s.commit(baseChain, r);
            assertEquals(store.directory().resolve(topChain.hex()).resolve("fs"), fs);
        }
        assertEquals(List.of(baseChain.hex(), topChain.hex()).stream().sorted().toList(), listing(store),
                "only final directories, no tmp-*");
        Path fs = store.lookup(topChain).orElseThrow();
        assertEquals("top", Files.readString(fs.resolve("top")));
        String json = Files.readString(fs.resolveSibling("snapshot.json"));
        assertTrue(json.contains("\"chainId\": \"" + topChain + "\""), json);
        assertTrue(json.contains("\"diffId\": \"" + topDiff + "\""), json);
        assertTrue(json.contains("\"parent\": \"" + baseChain + "\""), json);
        assertTrue(json.contains("\"files\": 1"), json);
        assertTrue(json.contains("\"bytes\": " + top.length), json);
        assertTrue(Files.readString(store.lookup(baseChain).orElseThrow().resolveSibling("snapshot.json"))
                .contains("\"parent\": null"));
    }

    @Test
    void failedUnpackLeavesNothing() throws Exception {
        SnapshotStore store = new SnapshotStore(tmp);
        byte[] bad;
        try (TarBuilder t = new TarBuilder()) {
            bad = t.file("ok", "ok").file("../escape", "x").toByteArray();
        }
        Digest chain = Digest.sha256("cd".repeat(32));
        assertThrows(BerthException.class, () -> {
            try (SnapshotStore.Snapshot s = store.prepare(chain)) {
                s.commit(null, unpacker.unpack(new ByteArrayInputStream(bad), s.fs()));
            }
        });
        assertEquals(List.of(), listing(store));
        assertTrue(store.lookup(chain).isEmpty());
    }

    @Test
    void diffIdMismatchAtCommitLeavesNothing() throws Exception {
        SnapshotStore store = new SnapshotStore(tmp);
        Digest expected = Digest.sha256("ef".repeat(32));
        BerthException e = assertThrows(BerthException.class, () -> {
            try (SnapshotStore.Snapshot s = store.prepare(expected)) {
                s.commit(null, unpacker.unpack(new ByteArrayInputStream(layer("x")), s.fs()));
            }
        });
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
        assertEquals(List.of(), listing(store));
    }

    @Test
    void secondCommitOfTheSameChainKeepsTheFirst() throws Exception {
        SnapshotStore store = new SnapshotStore(tmp);
        byte[] l = layer("same");
        Digest chain = SnapshotStore.chainId(null, Digest.sha256(Trees.sha256(l)));
        try (SnapshotStore.Snapshot a = store.prepare(chain); SnapshotStore.Snapshot b = store.prepare(chain)) {
            UnpackResult ra = unpacker.unpack(new ByteArrayInputStream(l), a.fs());
            UnpackResult rb = unpacker.unpack(new ByteArrayInputStream(l), b.fs());
            Path first = a.commit(null, ra);
            assertEquals(first, b.commit(null, rb));
        }
        assertEquals(List.of(chain.hex()), listing(store));
    }

    @Test
    void leftoverTmpDirectoriesAreRemovedOnConstruction() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "keep");
        Path snapshots = Files.createDirectories(tmp.resolve("root/snapshots"));
        Path dead = Files.createDirectories(snapshots.resolve("tmp-0123456789abcdef/fs/deep"));
        Files.writeString(dead.resolve("half-written"), "x");
        Files.createSymbolicLink(dead.resolve("link-out"), outside);
        Files.setAttribute(dead, "unix:mode", 0555);
        Path kept = Files.createDirectories(snapshots.resolve("ab".repeat(32)).resolve("fs"));

        SnapshotStore store = new SnapshotStore(tmp.resolve("root"));
        assertEquals(List.of("ab".repeat(32)), listing(store));
        assertTrue(Files.isDirectory(kept));
        assertEquals("keep", Files.readString(outside.resolve("keep")), "deletion did not follow the symlink");
    }

    @Test
    void chainIdMatchesHandComputedValues() throws Exception {
        Digest d1 = Digest.sha256("11".repeat(32));
        Digest d2 = Digest.sha256("22".repeat(32));
        Digest d3 = Digest.sha256("33".repeat(32));
        assertEquals(d1, SnapshotStore.chainId(null, d1), "one layer: chainID = diffID");
        assertEquals(d1, SnapshotStore.chainId(List.of(d1)));

        // Computed independently with coreutils: printf '%s' "$prev $diff" | sha256sum
        Digest c2 = Digest.sha256(sha256sum(d1 + " " + d2));
        Digest c3 = Digest.sha256(sha256sum(c2 + " " + d3));
        assertEquals(c2, SnapshotStore.chainId(d1, d2));
        assertEquals(c3, SnapshotStore.chainId(List.of(d1, d2, d3)));
        // and a literal, so a wrong formula in both places still fails
        assertEquals(Digest.sha256(Trees.sha256(("sha256:" + "11".repeat(32) + " sha256:" + "22".repeat(32))
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII))), c2);
    }

    private static String sha256sum(String text) throws Exception {
        Trees.Result r = Trees.run(List.of("sh", "-c", "printf '%s' \"$0\" | sha256sum", text));
        assertEquals(0, r.rc(), r.output());
        return r.output().substring(0, 64);
    }
}
