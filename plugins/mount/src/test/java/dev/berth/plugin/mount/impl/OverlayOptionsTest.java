package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlay option string: order, refused characters, and the one-page limit checked against the kernel. */
class OverlayOptionsTest {
    @TempDir
    Path tmp;

    @AfterEach
    void cleanUp() throws Exception {
        Fixture.unmountAll(tmp);
    }

    @Test
    void listsTheTopLayerFirst() throws Exception {
        assertEquals("lowerdir=/l/top:/l/mid:/l/bottom,upperdir=/c/upper,workdir=/c/work",
                OverlayOptions.of("x", List.of(Path.of("/l/bottom"), Path.of("/l/mid"), Path.of("/l/top")),
                        Path.of("/c/upper"), Path.of("/c/work")));
        assertEquals("lowerdir=/l/only,upperdir=/u,workdir=/w",
                OverlayOptions.of("x", List.of(Path.of("/l/only")), Path.of("/u"), Path.of("/w")));
    }

    @Test
    void aVolatileUpperComesLastAndCountsTowardsTheLimit() throws Exception {
        assertEquals("lowerdir=/l,upperdir=/u,workdir=/w,volatile",
                OverlayOptions.of("x", List.of(Path.of("/l")), Path.of("/u"), Path.of("/w"), true));
        assertEquals("lowerdir=/l,upperdir=/u,workdir=/w",
                OverlayOptions.of("x", List.of(Path.of("/l")), Path.of("/u"), Path.of("/w"), false));
        // Options that fit exactly without ",volatile" are refused with it.
        String fixed = "lowerdir=,upperdir=/u,workdir=/w";
        List<Path> layers = layersFilling(tmp.resolve("v"), OverlayOptions.MAX_BYTES - fixed.length()).stream()
                .map(Path::of).toList();
        assertEquals(OverlayOptions.MAX_BYTES, OverlayOptions.of("x", layers, Path.of("/u"), Path.of("/w")).length());
        BerthException e = assertThrows(BerthException.class,
                () -> OverlayOptions.of("x", layers, Path.of("/u"), Path.of("/w"), true));
        assertEquals(ErrorKind.INVALID, e.kind());
    }

    @Test
    void refusesCharactersTheOptionsCannotCarry() {
        for (String bad : List.of("/a,b", "/a:b", "/a\\b", "/a\"b")) {
            BerthException e = assertThrows(BerthException.class,
                    () -> OverlayOptions.of("mount container c", List.of(Path.of(bad)), Path.of("/u"), Path.of("/w")));
            assertEquals(ErrorKind.INVALID, e.kind());
            assertTrue(e.getMessage().startsWith("mount container c: layer \"" + bad + "\""), e.getMessage());
        }
        assertThrows(BerthException.class,
                () -> OverlayOptions.of("x", List.of(Path.of("/l")), Path.of("/u,lowerdir=/"), Path.of("/w")));
    }

    /** 4095 bytes mount for real; 4096 are refused before anything is created. */
    @Test
    void theLimitIsWhatTheKernelTakes() throws Exception {
        Fixture.assumeRoot();
        Path root = Files.createDirectory(tmp.resolve("r"));
        Path container = root.resolve("mounts").resolve(Fixture.ID_A);
        String fixed = "lowerdir=,upperdir=" + container.resolve("upper") + ",workdir=" + container.resolve("work");
        List<String> layers = layersFilling(tmp.resolve("l"), OverlayOptions.MAX_BYTES - fixed.length());
        var stage = new MountStageComponent(java.util.Map.of("berth.root", root.toString(),
                MountStageComponent.SNAPSHOTTER_PROPERTY, "overlay")::get);
        assertEquals(OverlayOptions.MAX_BYTES, OverlayOptions.of("x", layers.stream().map(Path::of).toList(),
                container.resolve("upper"), container.resolve("work")).length());
        assertTrue(stage.mount(Fixture.ID_A, layers).mounted());
        assertEquals(1, Fixture.mountsUnder(root).size());
        stage.remove(Fixture.ID_A);
        RootfsStore.awaitDeletions(); // the folder is renamed at once and deleted by a worker

        List<String> longer = new ArrayList<>(layers);
        longer.set(0, Files.createDirectory(Path.of(layers.get(0) + "x")).toString());
        BerthException e = assertThrows(BerthException.class, () -> stage.mount(Fixture.ID_A, longer));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains(longer.size() + " layers") && e.getMessage().contains("4096 bytes"),
                e.getMessage());
        assertEquals(List.of(), Fixture.names(root.resolve("mounts")));
        assertEquals(List.of(), Fixture.mountsUnder(root));
    }

    /** Layer directories whose paths, joined with ':', take exactly {@code bytes} bytes. */
    private static List<String> layersFilling(Path base, int bytes) throws Exception {
        Files.createDirectories(base);
        List<String> layers = new ArrayList<>();
        int left = bytes;
        int prefix = base.toString().length() + 1;
        while (left > 0) {
            int sep = layers.isEmpty() ? 0 : 1;
            int name = Math.min(200, left - sep - prefix);
            if (left - sep - prefix - name > 0 && left - sep - prefix - name < prefix + 2) {
                name -= prefix + 2;
            }
            String dir = String.format("%0" + name + "d", layers.size());
            layers.add(Files.createDirectory(base.resolve(dir)).toString());
            left -= sep + prefix + name;
        }
        assertEquals(0, left);
        return layers;
    }
}
