package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The merged view of three layer snapshots, checked path by path and against what overlayfs itself
 * shows for the same layers.
 *
 * <pre>
 * l0 (bottom): a, d/{x,y}, f/g, w, o/{p,q}, s -> a
 * l1:          w (whiteout), d/z, f (file), o/ (opaque) with r, n/
 * l2 (top):    d/x (whiteout), o/t, a/ (directory over the file a, not opaque)
 * </pre>
 */
class LowerViewTest {
    @TempDir
    Path tmp;
    List<Path> layers;

    @BeforeEach
    void setUp() throws Exception {
        Fixture.assumeRoot();
        Path l0 = Files.createDirectories(tmp.resolve("l0"));
        Files.writeString(l0.resolve("a"), "a");
        Files.writeString(Files.createDirectory(l0.resolve("d")).resolve("x"), "x");
        Files.writeString(l0.resolve("d/y"), "y");
        Files.writeString(Files.createDirectory(l0.resolve("f")).resolve("g"), "g");
        Files.writeString(l0.resolve("w"), "w");
        Files.writeString(Files.createDirectory(l0.resolve("o")).resolve("p"), "p");
        Files.writeString(l0.resolve("o/q"), "q");
        Files.createSymbolicLink(l0.resolve("s"), Path.of("a"));
        Path l1 = Files.createDirectories(tmp.resolve("l1"));
        Fixture.whiteout(l1.resolve("w"));
        Files.writeString(Files.createDirectory(l1.resolve("d")).resolve("z"), "z");
        Files.writeString(l1.resolve("f"), "f is a file");
        Files.writeString(Files.createDirectory(l1.resolve("o")).resolve("r"), "r");
        Fixture.opaque(l1.resolve("o"));
        Files.createDirectory(l1.resolve("n"));
        Path l2 = Files.createDirectories(tmp.resolve("l2"));
        Fixture.whiteout(Files.createDirectory(l2.resolve("d")).resolve("x"));
        Files.writeString(Files.createDirectory(l2.resolve("o")).resolve("t"), "t");
        Files.createDirectory(l2.resolve("a"));
        layers = List.of(l0, l1, l2);
    }

    static Stream<Arguments> lookups() {
        return Stream.of(
                // path, layer the view shows it from (null: absent), its children if a directory
                Arguments.of("a", "l2", List.of()),
                Arguments.of("d", "l2", List.of("y", "z")),
                Arguments.of("d/x", null, null),
                Arguments.of("d/y", "l0", null),
                Arguments.of("d/z", "l1", null),
                Arguments.of("f", "l1", null),
                Arguments.of("f/g", null, null),
                Arguments.of("w", null, null),
                Arguments.of("o", "l2", List.of("r", "t")),
                Arguments.of("o/p", null, null),
                Arguments.of("o/r", "l1", null),
                Arguments.of("n", "l1", List.of()),
                Arguments.of("s", "l0", null),
                Arguments.of("s/x", null, null),
                Arguments.of("missing", null, null),
                Arguments.of("missing/deeper", null, null),
                Arguments.of("d/y/under-a-file", null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookups")
    void showsWhatOverlayfsWould(String rel, String layer, List<String> children) throws Exception {
        LowerView view = new LowerView(layers);
        assertEquals(layer != null, view.exists(rel));
        assertEquals(layer == null ? null : tmp.resolve(layer).resolve(rel), view.source(rel));
        assertEquals(layer == null ? null : FileMeta.read(tmp.resolve(layer).resolve(rel)), view.stat(rel));
        assertEquals(children == null ? List.of() : children, view.children(rel));
    }

    @Test
    void agreesWithAMountedOverlay() throws Exception {
        Path upper = Files.createDirectories(tmp.resolve("c/upper"));
        Path work = Files.createDirectories(tmp.resolve("c/work"));
        Path merged = Files.createDirectories(tmp.resolve("c/merged"));
        Mounts.byCommands().mountOverlay(OverlayOptions.of("test", layers, upper, work), merged);
        try {
            LowerView view = new LowerView(layers);
            List<String> all = List.of("", "a", "d", "n", "o");
            for (String dir : all) {
                assertEquals(Fixture.names(dir.isEmpty() ? merged : merged.resolve(dir)), view.children(dir), dir);
            }
        } finally {
            Mounts.byCommands().unmount(merged, "test");
        }
    }
}
