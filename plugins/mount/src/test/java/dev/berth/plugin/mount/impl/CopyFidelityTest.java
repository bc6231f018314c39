package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.container.MountStage;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copy snapshotter must build exactly the tree overlayfs shows for the same layers: same names,
 * types, modes (set-id bits too), owners, link targets, device numbers, sizes, contents and mtimes.
 */
class CopyFidelityTest {
    @TempDir
    Path tmp;
    List<Path> layers;

    @BeforeEach
    void setUp() throws Exception {
        Fixture.assumeRoot();
        layers = new ArrayList<>(Fixture.twoLayers(tmp));
        layers.add(metadataLayer(tmp.resolve("layers/meta")));
        layers.add(replacingLayer(tmp.resolve("layers/replace")));
    }

    @AfterEach
    void cleanUp() throws Exception {
        Fixture.unmountAll(tmp);
    }

    /** Set-id files, foreign owners, links, a fifo, a device, old timestamps, and things to replace later. */
    private static Path metadataLayer(Path layer) throws Exception {
        Files.createDirectories(layer.resolve("bin"));
        Path su = Files.writeString(layer.resolve("bin/su"), "#!/bin/true\n");
        Files.setAttribute(su, "unix:uid", 1234);
        Files.setAttribute(su, "unix:gid", 5678);
        Files.setAttribute(su, "unix:mode", 04755);
        Files.setAttribute(Files.writeString(layer.resolve("bin/sgid"), "g"), "unix:mode", 02711);
        Files.createDirectory(layer.resolve("tmp"));
        Files.setAttribute(layer.resolve("tmp"), "unix:mode", 01777);
        Path secret = Files.createDirectory(layer.resolve("secret"));
        Files.writeString(secret.resolve("key"), "k");
        Files.setAttribute(secret.resolve("key"), "unix:mode", 0400);
        Files.setAttribute(secret, "unix:uid", 42);
        Files.setAttribute(secret, "unix:mode", 0700);
        Files.createSymbolicLink(layer.resolve("passwd-link"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(layer.resolve("dangling"), Path.of("../../nowhere"));
        Files.setAttribute(layer.resolve("dangling"), "unix:uid", 7, LinkOption.NOFOLLOW_LINKS);
        Files.createDirectory(layer.resolve("dev"));
        Fixture.run("mknod", "-m", "666", layer.resolve("dev/null").toString(), "c", "1", "3");
        Fixture.run("mknod", "-m", "660", layer.resolve("dev/loop9").toString(), "b", "7", "9");
        Fixture.run("mknod", "-m", "600", layer.resolve("dev/fifo").toString(), "p");
        Files.createDirectories(layer.resolve("gone/deep"));
        Files.writeString(layer.resolve("gone/deep/file"), "to be whited out");
        Files.writeString(layer.resolve("becomes-dir"), "file now");
        Files.createDirectories(layer.resolve("becomes-file/sub"));
        Files.createSymbolicLink(layer.resolve("link-becomes-dir"), Path.of("/etc"));
        Files.createDirectories(layer.resolve("keeps/inner"));
        Files.writeString(layer.resolve("keeps/inner/old"), "old");
        Fixture.run("touch", "-h", "-d", "@1000000000", layer.resolve("bin/su").toString(),
                layer.resolve("dev/null").toString(), layer.resolve("dev/fifo").toString(),
                layer.resolve("secret").toString(), layer.resolve("dangling").toString());
        return layer;
    }

    /** Deletes a tree, swaps files and directories, merges into a directory below. */
    private static Path replacingLayer(Path layer) throws Exception {
        Files.createDirectories(layer);
        Fixture.opaque(layer); // overlayfs ignores this on a layer's root; so must the copy
        Fixture.whiteout(layer.resolve("gone"));
        Files.createDirectories(layer.resolve("becomes-dir/child"));
        Files.writeString(layer.resolve("becomes-file"), "file replaces dir");
        Files.createDirectories(layer.resolve("link-becomes-dir"));
        Files.writeString(layer.resolve("link-becomes-dir/inside"), "not in /etc");
        Files.createDirectories(layer.resolve("keeps/inner"));
        Files.writeString(layer.resolve("keeps/inner/new"), "new");
        Files.getFileAttributeView(layer.resolve("keeps"), BasicFileAttributeView.class)
                .setTimes(Fixture.OLD, Fixture.OLD, null);
        return layer;
    }

    private MountStage stage(String kind, String root) throws Exception {
        return new MountStageComponent(Map.of("berth.root", tmp.resolve(root).toString(),
                MountStageComponent.SNAPSHOTTER_PROPERTY, kind)::get);
    }

    @Test
    void copyShowsWhatOverlayShows() throws Exception {
        Path merged = Path.of(stage("overlay", "o").mount(Fixture.ID_A, Fixture.strings(layers)).rootfs());
        Path copied = Path.of(stage("copy", "c").mount(Fixture.ID_A, Fixture.strings(layers)).rootfs());
        Map<String, String> overlay = Fixture.describe(merged);
        Map<String, String> copy = Fixture.describe(copied);
        assertEquals(overlay, copy);

        // Spot checks, so that a shared blind spot of both views cannot pass unnoticed.
        assertEquals("104755 1234:5678 size=12 '#!/bin/true\n' mtime=1000000000", copy.get("bin/su"));
        assertEquals("102711 0:0 size=1 'g' mtime=" + mtime(copied.resolve("bin/sgid")), copy.get("bin/sgid"));
        assertEquals("41777", copy.get("tmp").split(" ")[0]);
        assertEquals("40700 42:0 mtime=1000000000", copy.get("secret"));
        assertEquals("120777 7:0 -> ../../nowhere", copy.get("dangling"));
        assertEquals("120777 0:0 -> /etc/passwd", copy.get("passwd-link"));
        assertEquals("20666 0:0 rdev=259 mtime=1000000000", copy.get("dev/null"));
        assertTrue(copy.get("dev/loop9").startsWith("60660 0:0 rdev=1801 "), copy.get("dev/loop9"));
        assertEquals("10600 0:0 mtime=1000000000", copy.get("dev/fifo"));
        assertFalse(copy.containsKey("gone"));
        assertFalse(copy.containsKey("a"));
        assertTrue(copy.containsKey("becomes-dir/child"));
        assertTrue(copy.get("becomes-file").contains("'file replaces dir'"));
        assertTrue(Files.isDirectory(copied.resolve("link-becomes-dir"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(copy.containsKey("keeps/inner/old") && copy.containsKey("keeps/inner/new"));
        assertTrue(copy.get("keeps").endsWith("mtime=" + Fixture.OLD.toMillis() / 1000), copy.get("keeps"));
        assertEquals(List.of("z"), Fixture.names(copied.resolve("d")));
        assertTrue(copy.containsKey("c"), "an opaque layer root hides nothing");
    }

    private static long mtime(Path p) throws Exception {
        return ((FileTime) Files.getAttribute(p, "lastModifiedTime", LinkOption.NOFOLLOW_LINKS)).toMillis() / 1000;
    }
}
