package dev.berth.plugin.archive.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Platform;
import dev.berth.api.stage.BuildRequest;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.StageProgress;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layer tars given to the commit stage: hostile ones are refused as INVALID naming the file and the entry,
 * leaving the store as it was (no new blob, no partial file); unusual but legitimate ones are taken.
 */
class HostileLayerTest {
    @TempDir
    Path tmp;

    /** A layer, the entry the error must name, and the rule it must state. */
    record Hostile(Supplier<byte[]> layer, String entry, String rule) {
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                hostile("AbsolutePath", () -> new RawTar().file("/etc/passwd", "root::0:0::/:/bin/sh").bytes(),
                        "/etc/passwd", "is absolute"),
                hostile("DotDotEscape", () -> new RawTar().file("../evil", "x").bytes(), "../evil",
                        "escapes the root through \"..\""),
                hostile("NestedDotDotEscape", () -> new RawTar().directory("a/").file("a/../../x", "x").bytes(),
                        "a/../../x", "escapes the root"),
                hostile("DotDotEscapeInGzip", () -> gzip(new RawTar().file("ok", "x").file("./../../x", "x").bytes()),
                        "./../../x", "escapes the root"),
                hostile("HardLinkOutside", () -> new RawTar().hardlink("shadow", "../etc/shadow").bytes(), "shadow",
                        "hard link target \"../etc/shadow\" escapes the root"),
                hostile("HardLinkAbsolute", () -> new RawTar().hardlink("passwd", "/etc/passwd").bytes(), "passwd",
                        "hard link target \"/etc/passwd\" is absolute"),
                hostile("HardLinkNotYetSeen", () -> new RawTar().hardlink("early", "later").file("later", "x").bytes(),
                        "early", "hard link target \"later\" is not a file this layer has before it"),
                hostile("HardLinkToADirectory", () -> new RawTar().directory("d/").hardlink("l", "d").bytes(), "l",
                        "is not a file this layer has before it"),
                hostile("HardLinkToAWhiteout", () -> new RawTar().file(".wh.gone", "").hardlink("l", ".wh.gone")
                        .bytes(), "l", "is not a file this layer has before it"),
                hostile("NulInName", () -> new RawTar().paxPath("a\0b").file("placeholder", "x").bytes(), "a\0b",
                        "name contains a NUL character"),
                hostile("GnuSparse", () -> new RawTar().entry("sparse", 'S', new byte[0], "").bytes(), "sparse",
                        "entry type 'S' is not allowed in a layer"),
                hostile("GnuVolumeLabel", () -> new RawTar().entry("label", 'V', new byte[0], "").bytes(), "label",
                        "entry type 'V' is not allowed"),
                hostile("UnknownTypeLikeASocket", () -> new RawTar().entry("sock", 's', new byte[0], "").bytes(),
                        "sock", "entry type 's' is not allowed"),
                hostile("RootAsAFile", () -> new RawTar().file("./", "x").bytes(), "./",
                        "only a directory may name the root"),
                hostile("WhiteoutOfNothing", () -> new RawTar().file("dir/.wh.", "").bytes(), "dir/.wh.",
                        "whiteout must name a file"),
                hostile("WhiteoutAsADirectory", () -> new RawTar().file("a/.wh.b/c", "").bytes(), "a/.wh.b/c",
                        "whiteout name \".wh.b\" used as a directory"),
                hostile("SymlinkToNothing", () -> new RawTar().symlink("s", "").bytes(), "s",
                        "symlink has an empty target"));
    }

    private static Arguments hostile(String name, Supplier<byte[]> layer, String entry, String rule) {
        return Arguments.of(Named.of(name, new Hostile(layer, entry, rule)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void refusedWithoutTrace(Hostile hostile) throws Exception {
        Path root = tmp.resolve("root");
        BaseImages.Base base = BaseImages.put(new BlobStore(root), false, new RawTar().file("a", "b").bytes());
        List<String> before = Fixtures.files(root.resolve("content"));
        Path layer = BaseImages.write(tmp, "hostile.tar", hostile.layer().get());

        BerthException e = assertThrows(BerthException.class, () -> new TarCommitStage(root).build(
                BaseImages.request(layer, base.manifest(), null, List.of()), StageProgress.NONE));

        assertEquals(ErrorKind.INVALID, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("commit: layer " + layer + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("entry " + LayerEntryRules.quote(hostile.entry()) + ": "),
                "names the entry: " + e.getMessage());
        assertTrue(e.getMessage().contains(hostile.rule()), "states the rule: " + e.getMessage());
        assertEquals(before, Fixtures.files(root.resolve("content")), "no new blob and no partial file");
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                accepted("DevicesAndFifo", new RawTar().directory("dev/").charDevice("dev/null")
                        .entry("dev/sda", '4', new byte[0], "").entry("run/fifo", '6', new byte[0], "").bytes()),
                accepted("HardLinkToAnEarlierFile", new RawTar().file("bin/busybox", "elf").hardlink("bin/sh",
                        "./bin/busybox").hardlink("bin/ls", "bin/../bin/sh").bytes()),
                accepted("DotDotThatStaysInside", new RawTar().file("a/../b", "x").file("./c/./d", "y").bytes()),
                accepted("Whiteouts", new RawTar().file(".wh.gone", "").file("dir/.wh..wh..opq", "")
                        .file(".wh..wh.plnk", "").bytes()),
                accepted("SymlinksAnywhere", new RawTar().symlink("bin", "usr/bin").symlink("abs", "/etc/passwd")
                        .symlink("up", "../../..").bytes()),
                accepted("RootDirectoryAndContiguousFile", new RawTar().directory("./").entry("big", '7',
                        "data".getBytes(), "").bytes()),
                accepted("LongPaxName", new RawTar().paxPath("p/" + "x".repeat(200)).file("placeholder", "x").bytes()),
                accepted("OnlyEndBlocks", new byte[1024]));
    }

    private static Arguments accepted(String name, byte[] layer) {
        return Arguments.of(Named.of(name, layer));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void legitimateLayersAreTaken(byte[] tar) throws Exception {
        Path root = tmp.resolve("root");
        Path layer = BaseImages.write(tmp, "layer.tar", tar);
        LoadedImage image = new TarCommitStage(root).build(new BuildRequest(layer, null, Platform.parse("linux/amd64"),
                null, List.of(), "", "", "", BaseImages.CREATED), StageProgress.NONE);
        assertEquals(List.of(BlobStore.sha256(tar)), image.diffIds());
        assertEquals(BlobStore.sha256(tar), BlobStore.sha256(BaseImages.gunzip(BaseImages.blob(root,
                image.layers().get(0).digest()))));
    }

    private static byte[] gzip(byte[] bytes) {
        try {
            return BaseImages.gzip(bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
