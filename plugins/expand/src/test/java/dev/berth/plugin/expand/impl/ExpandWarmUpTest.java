package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The expand stage's warm-up: a real unpack of every kind of entry it makes, and nothing left behind. */
class ExpandWarmUpTest {
    @TempDir
    Path run;

    @Test
    void unpacksDirectoriesFilesAndBothKindsOfLinksAndLeavesNothing() throws Exception {
        UnpackResult result = new ExpandWarmUp(run).warmUp();
        assertEquals(24, result.directories());
        assertEquals(24 + 24 * 16 + 24 + 24, result.entries());
        assertEquals(24 * 16, result.files());
        assertEquals(24, result.symlinks());
        assertEquals(24, result.hardlinks());
        assertEquals(List.of(), result.warnings());
        try (Stream<Path> left = Files.list(run)) {
            assertEquals(List.of(), left.toList(), "the warm-up's scratch folder must be gone");
        }
    }

    @Test
    void theScratchFolderOfADaemonKilledDuringItsWarmUpIsRemovedAndOthersAreKept() throws Exception {
        Path leftover = Files.createDirectories(run.resolve(".expand-warm-up-9/tree/usr/share/d0"));
        Files.writeString(leftover.resolve("file-0"), "half a layer");
        Path other = Files.createDirectories(run.resolve("felix-cache"));
        new ExpandWarmUp(run).warmUp();
        try (Stream<Path> left = Files.list(run)) {
            assertEquals(List.of(other), left.toList());
        }
    }

    @Test
    void aScratchFolderItCannotMakeFailsTheWarmUpQuietly() throws Exception {
        Path notAFolder = Files.writeString(run.resolve("file"), "x");
        ExpandWarmUp warmUp = new ExpandWarmUp(notAFolder);
        assertThrows(IOException.class, warmUp::warmUp);
        warmUp.run(); // the daemon's call: no exception escapes
        assertEquals("x", Files.readString(notAFolder));
    }

    @Test
    void theLayerIsTheSameEveryTime() throws Exception {
        byte[] first = ExpandWarmUp.syntheticLayer();
        assertTrue(first.length > 1_000, "a gzipped layer of some size");
        assertArrayEquals(first, ExpandWarmUp.syntheticLayer(), "the same bytes each time");
    }
}
