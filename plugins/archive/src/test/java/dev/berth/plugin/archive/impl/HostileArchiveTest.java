package dev.berth.plugin.archive.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Digest;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.StageProgress;
import dev.berth.api.testing.RecordingEventLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and malformed archives: each is refused as INVALID naming the entry and the rule, and leaves the
 * content store exactly as it was (no new blob, no partial file).
 */
class HostileArchiveTest {
    private static final byte[] LAYER = new RawTar().file("etc/hello", "hello\n").bytes();
    private static final Digest DIFF_ID = BlobStore.sha256(LAYER);
    private static final String LAYER_NAME = DIFF_ID.hex() + "/layer.tar";

    @TempDir
    Path tmp;

    /** A hostile case: its archive, and what the error must name. */
    record Case(Supplier<byte[]> archive, String entry, String rule) {
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                hostile("DotDotEntry", () -> docker().file("../evil", "x").bytes(), "../evil", "\"..\""),
                hostile("AbsoluteEntry", () -> docker().file("/etc/evil", "x").bytes(), "/etc/evil", "absolute"),
                hostile("SymlinkEntry", () -> docker().symlink("escape/layer.tar", "../../../etc/passwd").bytes(),
                        "escape/layer.tar", "escapes the archive"),
                hostile("AbsoluteSymlinkEntry", () -> docker().symlink("abs/layer.tar", "/etc/passwd").bytes(),
                        "abs/layer.tar", "absolute"),
                hostile("DanglingHardlink", () -> docker().hardlink("dup/layer.tar", "nowhere.tar").bytes(),
                        "dup/layer.tar", "hardlink"),
                hostile("BlobDigestMismatch", () -> new RawTar()
                        .file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
                        .file("blobs/sha256/" + DIFF_ID.hex(), "not the layer")
                        .file("index.json", "{\"schemaVersion\":2,\"manifests\":[]}").bytes(),
                        "blobs/sha256/" + DIFF_ID.hex(), "blob digest mismatch"),
                hostile("ManifestNotJson", () -> layerAndConfig(config(1)).file("manifest.json", "this is not json")
                        .bytes(), "manifest.json", "not JSON"),
                hostile("ManifestTooLarge", () -> layerAndConfig(config(1)).file("manifest.json",
                        "[" + " ".repeat(4 << 20) + "]").bytes(), "manifest.json", "4 MiB"),
                hostile("ConfigTooLarge", () -> layerAndConfig((config(1) + " ".repeat(4 << 20)))
                        .file("manifest.json", manifest("config.json", LAYER_NAME)).bytes(), "config.json", "4 MiB"),
                hostile("MissingLayer", () -> layerAndConfig(config(1))
                        .file("manifest.json", manifest("config.json", "missing/layer.tar")).bytes(),
                        "missing/layer.tar", "missing from the archive"),
                hostile("DiffIdCountMismatch", () -> layerAndConfig(config(2))
                        .file("manifest.json", manifest("config.json", LAYER_NAME)).bytes(),
                        "config.json", "diff id count mismatch"),
                hostile("LayerNotItsDiffId", () -> new RawTar().file(LAYER_NAME, "other bytes")
                        .file("config.json", config(1)).file("manifest.json", manifest("config.json", LAYER_NAME))
                        .bytes(), LAYER_NAME, "diff_ids"),
                hostile("TruncatedArchive", () -> {
                    byte[] whole = docker().bytes();
                    return Arrays.copyOf(whole, 512 + 100);
                }, "archive", "truncated"),
                hostile("NotATar", () -> {
                    byte[] noise = new byte[4096];
                    new Random(42).nextBytes(noise);
                    return noise;
                }, "archive", "not a tar"),
                hostile("EmptyFile", () -> new byte[0], "archive", "empty archive"),
                hostile("NeitherFormat", () -> new RawTar().file("hello.txt", "hi").bytes(), "archive",
                        "neither a docker archive"));
    }

    private static Arguments hostile(String name, Supplier<byte[]> archive, String entry, String rule) {
        return Arguments.of(Named.of(name, new Case(archive, entry, rule)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedWithoutTrace(Case hostile) throws Exception {
        Path root = tmp.resolve("root");
        TarArchiveStage stage = new TarArchiveStage(root, new RecordingEventLog());
        // A store that already holds an image, so that "nothing new" is checked against real content.
        Path good = tmp.resolve("good.tar");
        Files.write(good, new RawTar().file("other/layer.tar", new RawTar().file("a", "b").bytes())
                .file("c.json", "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                        + BlobStore.sha256(new RawTar().file("a", "b").bytes()) + "\"]}}")
                .file("manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":null,\"Layers\":[\"other/layer.tar\"]}]")
                .bytes());
        stage.load(good, StageProgress.NONE);
        List<String> before = Fixtures.files(root.resolve("content"));

        Path archive = tmp.resolve("hostile.tar");
        Files.write(archive, hostile.archive().get());
        RecordingEventLog log = new RecordingEventLog();
        BerthException e = assertThrows(BerthException.class,
                () -> new TarArchiveStage(root, log).load(archive, StageProgress.NONE));

        assertEquals(ErrorKind.INVALID, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(hostile.entry()), "names the entry: " + e.getMessage());
        assertTrue(e.getMessage().contains(hostile.rule()), "names the rule: " + e.getMessage());
        assertEquals(before, Fixtures.files(root.resolve("content")), "no new blob and no partial file");
        assertEquals(List.of(), log.drafts());
    }

    @Test
    void hardlinkedLayerReusesTheEarlierEntry() throws Exception {
        byte[] config = config(1).getBytes(StandardCharsets.UTF_8);
        Path archive = tmp.resolve("hardlink.tar");
        Files.write(archive, new RawTar().directory(DIFF_ID.hex() + "/").file(LAYER_NAME, LAYER)
                .hardlink("copy/layer.tar", LAYER_NAME).file("config.json", config)
                .file("manifest.json", "[" + item("config.json", "a.example/one:1", LAYER_NAME) + ","
                        + item("config.json", "a.example/two:2", "copy/layer.tar") + "]").bytes());
        Path root = tmp.resolve("root");
        List<LoadedImage> images = new TarArchiveStage(root, new RecordingEventLog()).load(archive,
                StageProgress.NONE);
        assertEquals(2, images.size());
        assertEquals(List.of("a.example/one:1"), images.get(0).tags());
        assertEquals(List.of("a.example/two:2"), images.get(1).tags());
        assertEquals(images.get(0).layers(), images.get(1).layers());
        assertEquals(images.get(0).manifestDigest(), images.get(1).manifestDigest());
        assertEquals(List.of(BlobStore.sha256(config).hex(), DIFF_ID.hex(), images.get(0).manifestDigest().hex())
                .stream().sorted().toList(), Fixtures.files(root.resolve("content/blobs/sha256")));
        assertEquals(List.of(), Fixtures.files(root.resolve("content/ingest")));
    }

    @Test
    void unreferencedEntriesAreNotKept() throws Exception {
        Path archive = tmp.resolve("extra.tar");
        Files.write(archive, docker().file("stray/file", "not part of any image").bytes());
        Path root = tmp.resolve("root");
        new TarArchiveStage(root, new RecordingEventLog()).load(archive, StageProgress.NONE);
        assertEquals(3, Fixtures.files(root.resolve("content/blobs/sha256")).size());
        assertEquals(List.of(), Fixtures.files(root.resolve("content/ingest")));
    }

    private static RawTar docker() {
        return layerAndConfig(config(1)).file("manifest.json", manifest("config.json", LAYER_NAME));
    }

    private static RawTar layerAndConfig(String config) {
        return new RawTar().file(LAYER_NAME, LAYER).file("config.json", config);
    }

    private static String config(int diffIds) {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < diffIds; i++) {
            ids.append(i == 0 ? "" : ",").append('"').append(DIFF_ID).append('"');
        }
        return "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
                + ids + "]}}";
    }

    private static String manifest(String config, String layer) {
        return "[" + item(config, "example.com/demo:1", layer) + "]";
    }

    private static String item(String config, String tag, String layer) {
        return "{\"Config\":\"" + config + "\",\"RepoTags\":[\"" + tag + "\"],\"Layers\":[\"" + layer + "\"]}";
    }
}
