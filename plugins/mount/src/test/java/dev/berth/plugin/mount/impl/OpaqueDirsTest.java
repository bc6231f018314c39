package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding opaque directories with getfattr, names with spaces, newlines, backslashes and UTF-8 included. */
class OpaqueDirsTest {
    @TempDir
    Path tmp;

    @Test
    void findsOpaqueDirectoriesWithAwkwardNames() throws Exception {
        Fixture.assumeRoot();
        Path layer = Files.createDirectory(tmp.resolve("layer"));
        Set<Path> expected = Set.of(Path.of("a b"), Path.of("new\nline"), Path.of("back\\slash"), Path.of("é/ü"));
        for (Path rel : expected) {
            Fixture.opaque(Files.createDirectories(layer.resolve(rel)));
        }
        Files.createDirectories(layer.resolve("plain"));
        Fixture.run("setfattr", "-n", "trusted.overlay.opaque", "-v", "n", Files.createDirectory(
                layer.resolve("not-y")).toString());
        Fixture.run("setfattr", "-n", "user.other", "-v", "y", layer.resolve("plain").toString());
        Files.createSymbolicLink(layer.resolve("link"), tmp);
        Fixture.opaque(layer);

        assertEquals(expected, OpaqueDirs.find(layer), "the layer root itself is not reported");
    }

    @Test
    void parsesDumpOutput() {
        Path layer = Path.of("/l");
        String dump = "# file: /l/x\\040y\ntrusted.overlay.opaque=\"y\"\n\n# file: /l/n\ntrusted.overlay.opaque=\"n\"\n\n"
                + "# file: /l\ntrusted.overlay.opaque=\"y\"\n";
        assertEquals(Set.of(Path.of("x y")), OpaqueDirs.parse(layer, dump));
    }

    @Test
    void upperWithRedirectOrMetacopyMarksIsRefused() throws Exception {
        Fixture.assumeRoot();
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        Fixture.opaque(Files.createDirectory(upper.resolve("replaced")));
        assertEquals(Set.of(Path.of("replaced")), OpaqueDirs.findInUpper(upper));

        Path moved = Files.createDirectory(upper.resolve("moved"));
        Fixture.run("setfattr", "-n", "trusted.overlay.redirect", "-v", "/old", moved.toString());
        IOException e = assertThrows(IOException.class, () -> OpaqueDirs.findInUpper(upper));
        assertTrue(e.getMessage().contains(moved + " carries the overlayfs mark trusted.overlay.redirect"),
                e.getMessage());
    }
}
