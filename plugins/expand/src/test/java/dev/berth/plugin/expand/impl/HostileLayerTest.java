package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Digest;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile layers, one named case each: a rejected layer must fail INVALID naming the entry and the rule,
 * leave the sentinel outside the root untouched, create nothing outside the root, and leave no snapshot
 * and no tmp-* directory in the store. A few cases are accepted by design and check where things landed.
 */
class HostileLayerTest {

    /** The fixture a case's layer may refer to. */
    record Fixture(Path tmp, Path sentinel, Path outside) {
    }

    /** Writes the layer blob (plain, gzip, whatever) for a fixture. */
    interface LayerWriter {
        void write(OutputStream out, Fixture f) throws IOException;
    }

    /** Checks an accepted layer's tree. */
    interface Accepted {
        void check(Path root, UnpackResult result, Fixture f) throws Exception;
    }

    /** One case: either {@code rejected} fragments that the message must contain, or an {@code accepted} check. */
    record Case(LayerWriter layer, Limits limits, List<String> rejected, Accepted accepted) {
    }

    private static final Limits SMALL = new Limits(64L << 20, 100, 1L << 20, 10, 4096);

    @TempDir
    Path tmp;
    Fixture fixture;

    @BeforeEach
    void setUp() throws IOException {
        Path sentinel = Files.writeString(tmp.resolve("sentinel.txt"), "sentinel");
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        fixture = new Fixture(tmp, sentinel, outside);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                rejected("DotDotPrefix", tar(t -> t.file("../sentinel.txt", "pwned")),
                        "\"../sentinel.txt\"", "escapes the root"),
                rejected("DotDotInMiddleEscaping", tar(t -> t.file("a/../../sentinel.txt", "pwned")),
                        "\"a/../../sentinel.txt\"", "escapes the root"),
                rejected("DotDotDeepEscaping", tar(t -> t.file("./a/b/../../../../../sentinel.txt", "pwned")),
                        "a/b/../../../../../sentinel.txt", "escapes the root"),
                accepted("DotDotInsideIsCleaned", tar(t -> t.file("a/b/../c", "ok")), (root, r, f) ->
                        assertEquals("ok", Files.readString(root.resolve("a/c")))),
                accepted("AbsolutePathIsStrippedIntoTheRoot", (out, f) -> tar(t -> t.file(
                        f.sentinel().toString(), "pwned")).write(out, f), (root, r, f) ->
                        assertEquals("pwned", Files.readString(root.resolve(f.sentinel().toString().substring(1))))),
                rejected("SymlinkEscapeThenWriteThrough", tar(t -> t.symlink("evil", "../../../../outside")
                        .file("evil/keep.txt", "pwned")), "\"evil/keep.txt\"", "symlink on the path escapes the root"),
                accepted("AbsoluteSymlinkIsScopedToTheRoot", (out, f) -> tar(t -> t.symlink("evil", "/")
                        .file("evil/x", "inside").symlink("abs", f.outside().toString())
                        .file("abs/keep.txt", "pwned")).write(out, f), (root, r, f) -> {
                            assertEquals("inside", Files.readString(root.resolve("x")));
                            assertEquals("pwned", Files.readString(
                                    root.resolve(f.outside().toString().substring(1)).resolve("keep.txt")));
                        }),
                accepted("FileOverEscapingSymlinkReplacesTheLink", tar(t -> t.symlink("f", "../../../../sentinel.txt")
                        .file("f", "inside")), (root, r, f) -> {
                            assertFalse(Files.isSymbolicLink(root.resolve("f")));
                            assertEquals("inside", Files.readString(root.resolve("f")));
                        }),
                accepted("DirectoryOverEscapingSymlinkReplacesTheLink", tar(t -> t.symlink("d", "../../../../outside")
                        .dir("d", 0755).file("d/keep.txt", "inside")), (root, r, f) -> {
                            assertTrue(Files.isDirectory(root.resolve("d"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
                            assertEquals("inside", Files.readString(root.resolve("d/keep.txt")));
                        }),
                accepted("HardlinkAndDeviceOverEscapingSymlinks", tar(t -> t.file("a", "a")
                        .symlink("h", "../../../../sentinel.txt").hardlink("h", "a")
                        .symlink("n", "../../../../outside/keep.txt").node("n", TarConstants.LF_FIFO, 0600, 0, 0)
                        .symlink("w", "../../../../outside/keep.txt").file(".wh.w", "")), (root, r, f) -> {
                            assertEquals("a", Files.readString(root.resolve("h")));
                            assertEquals(0010600, Trees.mode(root.resolve("n")));
                            assertTrue(Files.isSymbolicLink(root.resolve("w")), "same-layer entry wins over whiteout");
                        }),
                rejected("SymlinkChainEscape", tar(t -> t.dir("sub", 0755).symlink("sub/link2", "../../../../../outside")
                        .symlink("link1", "sub/link2").file("link1/keep.txt", "pwned")),
                        "\"link1/keep.txt\"", "escapes the root"),
                // The unpacker caches directories it has resolved; these replace one mid-layer and then use it.
                accepted("DirectoryReplacedBySymlinkToRootIsContained", tar(t -> t.dir("a", 0755).file("a/old", "old")
                        .symlink("a", "/").file("a/x", "inside")), (root, r, f) -> {
                            assertTrue(Files.isSymbolicLink(root.resolve("a")));
                            assertEquals("inside", Files.readString(root.resolve("x")));
                            assertFalse(Files.exists(root.resolve("old")), "the replaced directory's content is gone");
                        }),
                rejected("DirectoryReplacedByEscapingSymlink", tar(t -> t.dir("a", 0755).file("a/f", "f")
                        .symlink("a", "../../../../outside").file("a/keep.txt", "pwned")),
                        "\"a/keep.txt\"", "symlink on the path escapes the root"),
                rejected("DeepDirectoryReplacedByEscapingSymlink", tar(t -> t.dir("a", 0755).dir("a/b", 0755)
                        .dir("a/b/c", 0755).file("a/b/c/f", "f").symlink("a/b", "../../../../../outside")
                        .file("a/b/c/keep.txt", "pwned")), "\"a/b/c/keep.txt\"", "escapes the root"),
                rejected("ImplicitParentsReplacedByEscapingSymlink", tar(t -> t.file("a/b/c/f", "f")
                        .symlink("a", "../../../../outside").file("a/b/c/keep.txt", "pwned")),
                        "\"a/b/c/keep.txt\"", "escapes the root"),
                accepted("ImplicitParentsReplacedBySymlinkToRootAreContained", tar(t -> t.file("a/b/x", "x")
                        .symlink("a", "/").file("a/b/y", "inside")), (root, r, f) -> {
                            assertTrue(Files.isSymbolicLink(root.resolve("a")));
                            assertEquals("inside", Files.readString(root.resolve("b/y")));
                        }),
                rejected("DirectoryReplacedByFileThenWrittenThrough", tar(t -> t.dir("a", 0755).file("a/x", "x")
                        .file("a", "now a file").file("a/y", "y")), "\"a/y\"", "is not a directory"),
                rejected("DirectoryReplacedByHardlinkThenWrittenThrough", tar(t -> t.file("f", "f").dir("d", 0755)
                        .file("d/x", "x").hardlink("d", "f").file("d/y", "y")), "\"d/y\"", "is not a directory"),
                accepted("SymlinkedParentRetargeted", tar(t -> t.dir("r1", 0755).dir("r2", 0755).symlink("l", "r1")
                        .file("l/x", "x").symlink("l", "r2").file("l/y", "y")), (root, r, f) -> {
                            assertEquals("x", Files.readString(root.resolve("r1/x")));
                            assertEquals("y", Files.readString(root.resolve("r2/y")));
                            assertFalse(Files.exists(root.resolve("r1/y")), "l/y followed the old link");
                        }),
                rejected("HardlinkTargetDirectoryReplacedByEscapingSymlink", tar(t -> t.dir("d", 0755)
                        .file("d/keep.txt", "x").symlink("d", "../../../../outside").hardlink("h", "d/keep.txt")),
                        "\"h\"", "escapes the root"),
                rejected("SymlinkLoop", tar(t -> t.symlink("a", "b").symlink("b", "a").file("a/x", "x")),
                        "\"a/x\"", "symlinks on the path"),
                rejected("ParentIsAFile", tar(t -> t.file("f", "f").file("f/x", "x")), "\"f/x\"", "is not a directory"),
                rejected("HardlinkOutsideRoot", tar(t -> t.hardlink("h", "../../../../sentinel.txt")),
                        "\"h\"", "escapes the root"),
                rejected("HardlinkAbsoluteToHostFile", (out, f) -> tar(t -> t.hardlink("h", f.sentinel().toString()))
                        .write(out, f), "\"h\"", "has not been extracted by this layer"),
                rejected("HardlinkThroughEscapingSymlink", tar(t -> t.symlink("s", "../../../..")
                        .hardlink("h", "s/sentinel.txt")), "\"h\"", "escapes the root"),
                rejected("HardlinkToNotYetExtracted", tar(t -> t.hardlink("h", "later").file("later", "x")),
                        "\"h\"", "not yet extracted"),
                rejected("HardlinkToDirectory", tar(t -> t.dir("d", 0755).hardlink("h", "d")), "\"h\"", "is a directory"),
                rejected("RootBecomesFile", tar(t -> t.file(".", "x")), "\".\"", "type of the root"),
                rejected("RootBecomesSymlink", tar(t -> t.symlink("./", "/tmp")), "\"./\"", "type of the root"),
                rejected("RootBecomesHardlink", tar(t -> t.file("a", "a").hardlink("/", "a")), "\"/\"",
                        "type of the root"),
                rejected("WhiteoutEmptyName", tar(t -> t.file("d/.wh.", "")), "\"d/.wh.\"", "whiteout names nothing"),
                rejected("WhiteoutDotDot", tar(t -> t.file(".wh...", "")), "\".wh...\"", "whiteout may not name"),
                rejected("WhiteoutDot", tar(t -> t.file("d/.wh..", "")), "\"d/.wh..\"", "whiteout may not name"),
                rejected("WhiteoutWithSlash", tar(t -> t.file(".wh.a/b", "")), "\".wh.a/b\"",
                        "whiteout names may not contain \"/\""),
                accepted("DeviceNodeInsideIsAllowed", tar(t -> t.node("dev/null", TarConstants.LF_CHR, 0666, 1, 3)
                        .node("dev/sda", TarConstants.LF_BLK, 0660, 8, 0)), (root, r, f) -> {
                            assertEquals(2, r.devices());
                            assertEquals(0020666, Trees.mode(root.resolve("dev/null")));
                            assertEquals(0060660, Trees.mode(root.resolve("dev/sda")));
                            assertEquals(8L << 8, ((Number) Trees.unix(root.resolve("dev/sda")).get("rdev")).longValue());
                        }),
                rejected("DeviceNodeEscaping", tar(t -> t.node("../../../../evil-null", TarConstants.LF_CHR, 0666, 1, 3)),
                        "evil-null", "escapes the root"),
                accepted("OverlayXattrInjectionIsSkipped", tar(t -> t.file("f", "x".getBytes(StandardCharsets.UTF_8),
                        0644, 0, 0, Map.of("SCHILY.xattr.trusted.overlay.redirect", "/etc",
                                "SCHILY.xattr.trusted.overlay.opaque", "y"))), (root, r, f) -> {
                                    assertEquals(2, r.xattrsSkipped());
                                    assertEquals(null, Trees.xattr(root.resolve("f"), "trusted.overlay.redirect"));
                                }),
                rejected("GzipBomb", HostileLayerTest::gzipBomb, SMALL, "\"zeros\"", "compression ratio above the limit"),
                rejected("LayerTooLarge", tar(t -> t.file("big", new byte[3 << 20], 0644, 0, 0, Map.of())),
                        new Limits(2L << 20, 1000, 10L << 20, 100, 4096), "\"big\"", "larger than the limit"),
                rejected("TooManyEntries", tar(t -> {
                    for (int i = 0; i < 20; i++) {
                        t.file("f" + i, "x");
                    }
                }), SMALL, "\"f10\"", "more than the limit of 10 entries"),
                rejected("PathTooLong", tar(t -> t.file("a/".repeat(3000) + "x", "x")), "longer than the limit"),
                rejected("TruncatedLayer", (out, f) -> {
                    byte[] whole = tar(t -> t.file("first", "ok").file("cut", new byte[10_000], 0644, 0, 0, Map.of()))
                            .bytes(f);
                    out.write(whole, 0, 1024 + 512 + 5000);
                }, "\"cut\"", "truncated"),
                rejected("TruncatedInPadding", (out, f) -> {
                    byte[] whole = tar(t -> t.file("first", "ten bytes!").file("second", "x")).bytes(f);
                    out.write(whole, 0, 512 + 10 + 100); // the header, the data, 100 of the 502 padding bytes
                }, "\"first\"", "truncated"),
                rejected("TruncatedInHeader", (out, f) -> {
                    byte[] whole = tar(t -> t.file("first", "ok").file("second", "x")).bytes(f);
                    out.write(whole, 0, 1024 + 300);
                }, "truncated tar"),
                rejected("TruncatedGzip", (out, f) -> {
                    byte[] whole = tar(t -> t.file("a", new byte[200_000], 0644, 0, 0, Map.of())).bytes(f);
                    ByteArrayOutputStream gz = new ByteArrayOutputStream();
                    try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
                        g.write(whole);
                    }
                    out.write(gz.toByteArray(), 0, gz.size() / 2);
                }, "\"a\"", "truncated or corrupt layer"),
                rejected("ZstdBomb", HostileLayerTest::zstdBomb, SMALL, "\"zeros\"", "compression ratio above the limit"),
                rejected("TruncatedZstd", (out, f) -> {
                    byte[] whole = tar(t -> t.file("a", new byte[200_000], 0644, 0, 0, Map.of())
                            .file("b", "b".repeat(100_000))).bytes(f);
                    ByteArrayOutputStream zs = new ByteArrayOutputStream();
                    try (ZstdOutputStream z = new ZstdOutputStream(zs)) {
                        z.write(whole);
                    }
                    out.write(zs.toByteArray(), 0, zs.size() / 2);
                }, "truncated or corrupt layer"),
                rejected("NotATar", (out, f) -> out.write("this is not a tar archive\n".repeat(200)
                        .getBytes(StandardCharsets.UTF_8)), "not a tar archive"),
                rejected("NotATarShort", (out, f) -> out.write("hello".getBytes(StandardCharsets.UTF_8)),
                        "not a tar archive"),
                rejected("CorruptSecondHeader", (out, f) -> {
                    byte[] whole = tar(t -> t.file("first", "ok").file("second", "x")).bytes(f);
                    Arrays.fill(whole, 1024, 1024 + 100, (byte) 'Z');
                    out.write(whole);
                }, "\"first\"", "corrupt"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileLayer(Case c) throws Exception {
        check(c, c.layer(), new LayerUnpacker(c.limits()));
    }

    /**
     * Every case again with its layer gzipped (unless it is compressed already), once inflated by the JDK's zlib
     * and once by the host's igzip: the inflater changes neither the verdict nor the message.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileLayerGzipped(Case c) throws Exception {
        LayerWriter gzipped = (out, f) -> {
            ByteArrayOutputStream layer = new ByteArrayOutputStream();
            c.layer().write(layer, f);
            byte[] bytes = layer.toByteArray();
            if (LayerUnpacker.detect(new BufferedInputStream(new ByteArrayInputStream(bytes)))
                    != LayerUnpacker.Compression.NONE) {
                out.write(bytes);
            } else {
                try (GZIPOutputStream g = new GZIPOutputStream(new NonClosingOutput(out))) {
                    g.write(bytes);
                }
            }
        };
        check(c, gzipped, new LayerUnpacker(c.limits(), Gunzip.JDK));
        check(c, gzipped, new LayerUnpacker(c.limits(), HostGunzipTest.igzipOrSkip("HostileLayerTest (igzip half)")));
    }

    /** Unpacks {@code layer} with {@code unpacker} and checks the case's verdict and that nothing else changed. */
    private void check(Case c, LayerWriter layer, LayerUnpacker unpacker) throws Exception {
        Path layers = Files.createDirectories(tmp.resolve("layers"));
        Path blob = layers.resolve("layer.bin");
        try (OutputStream out = Files.newOutputStream(blob)) {
            layer.write(out, fixture);
        }
        Map<String, String> before = outsideTree();
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        Digest chainId = Digest.sha256("ab".repeat(32));
        if (c.rejected() != null) {
            BerthException e = assertThrows(BerthException.class, () -> {
                try (SnapshotStore.Snapshot s = store.prepare(chainId); InputStream in = Files.newInputStream(blob)) {
                    UnpackResult r = unpacker.unpack(in, s.fs());
                    s.commit(null, r);
                }
            });
            assertEquals(ErrorKind.INVALID, e.kind(), e.getMessage());
            System.out.println("rejected (" + Files.size(blob) + " byte blob): " + e.getMessage());
            for (String fragment : c.rejected()) {
                assertTrue(e.getMessage().contains(fragment), "message \"" + e.getMessage() + "\" lacks " + fragment);
            }
        } else {
            try (SnapshotStore.Snapshot s = store.prepare(chainId); InputStream in = Files.newInputStream(blob)) {
                UnpackResult r = unpacker.unpack(in, s.fs());
                c.accepted().check(s.fs(), r, fixture);
                // not committed: closing discards it
            }
        }
        assertEquals("sentinel", Files.readString(fixture.sentinel()));
        assertEquals(before, outsideTree(), "nothing outside the root changed");
        try (Stream<Path> left = Files.list(store.directory())) {
            assertEquals(List.of(), left.toList(), "no snapshot and no tmp-* left behind");
        }
        assertFalse(store.lookup(chainId).isPresent());
    }

    /** Everything under the test dir except the store and the layer blob. */
    private Map<String, String> outsideTree() throws IOException {
        Map<String, String> all = Trees.describe(tmp, true);
        all.keySet().removeIf(k -> k.startsWith("store") || k.startsWith("layers") || k.isEmpty());
        return all;
    }

    /** A tar of one 256 MiB file of zeros, gzipped, streamed to {@code out} (about 250 KB). */
    private static void gzipBomb(OutputStream out, Fixture f) throws IOException {
        zeros(new GZIPOutputStream(out, 1 << 16));
    }

    /** A tar of one 256 MiB file of zeros, zstd-compressed, streamed to {@code out}. */
    private static void zstdBomb(OutputStream out, Fixture f) throws IOException {
        zeros(new ZstdOutputStream(out));
    }

    /** Streams a tar of one 256 MiB file of zeros into {@code compressed}, and closes it. */
    private static void zeros(OutputStream compressed) throws IOException {
        try (TarBuilder t = new TarBuilder(compressed)) {
            TarArchiveEntry e = TarBuilder.entry("zeros", TarConstants.LF_NORMAL);
            long size = 256L << 20;
            e.setSize(size);
            t.stream().putArchiveEntry(e);
            byte[] zeros = new byte[1 << 20];
            for (long done = 0; done < size; done += zeros.length) {
                t.stream().write(zeros);
            }
            t.stream().closeArchiveEntry();
        }
    }

    /** Leaves the blob's stream open for the caller when the gzip stream around it is closed. */
    private static final class NonClosingOutput extends java.io.FilterOutputStream {
        NonClosingOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    interface TarBody {
        void build(TarBuilder t) throws IOException;
    }

    /** A plain tar layer built by {@code body}. */
    static TarLayer tar(TarBody body) {
        return new TarLayer(body);
    }

    record TarLayer(TarBody body) implements LayerWriter {
        @Override
        public void write(OutputStream out, Fixture f) throws IOException {
            out.write(bytes(f));
        }

        byte[] bytes(Fixture f) throws IOException {
            try (TarBuilder t = new TarBuilder()) {
                body.build(t);
                return t.toByteArray();
            }
        }
    }

    private static Arguments rejected(String name, LayerWriter layer, String... fragments) {
        return rejected(name, layer, Limits.defaults(), fragments);
    }

    private static Arguments rejected(String name, LayerWriter layer, Limits limits, String... fragments) {
        return Arguments.of(Named.of(name, new Case(layer, limits, List.of(fragments), null)));
    }

    private static Arguments accepted(String name, LayerWriter layer, Accepted check) {
        return Arguments.of(Named.of(name, new Case(layer, Limits.defaults(), null, check)));
    }
}
