package dev.berth.api.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchFolderTest {
    @TempDir
    Path parent;

    @Test
    void aFreshFolderReplacesTheLeftoversOfItsPrefixAndNothingElse() throws Exception {
        Path leftover = Files.createDirectories(parent.resolve(".warm-up-1/deep/er"));
        Files.writeString(leftover.resolve("half"), "half written");
        Path leftoverFile = Files.writeString(parent.resolve(".warm-up-2"), "a file, too");
        Path other = Files.createDirectories(parent.resolve("felix-cache"));
        Path similar = Files.writeString(parent.resolve("x.warm-up-3"), "prefix elsewhere in the name");

        Path fresh = ScratchFolder.fresh(parent, ".warm-up-");

        assertTrue(Files.isDirectory(fresh));
        assertTrue(fresh.getFileName().toString().startsWith(".warm-up-"), fresh.toString());
        assertEquals(parent, fresh.getParent());
        try (Stream<Path> entries = Files.list(fresh)) {
            assertEquals(0, entries.count(), "a fresh folder is empty");
        }
        try (Stream<Path> entries = Files.list(parent)) {
            assertEquals(List.of(fresh, other, similar).stream().sorted().toList(), entries.sorted().toList());
        }
        assertFalse(Files.exists(leftoverFile));
    }

    @Test
    void aPrefixIsTakenLiterallyNotAsAPattern() throws Exception {
        Path kept = Files.createDirectories(parent.resolve("scratch-a"));
        Path gone = Files.createDirectories(parent.resolve("scratch-*-1"));

        ScratchFolder.deleteLeftovers(parent, "scratch-*");

        assertTrue(Files.isDirectory(kept), "'*' in a prefix is no wildcard");
        assertFalse(Files.exists(gone));
    }

    @Test
    void deletingFollowsNoSymbolicLink() throws Exception {
        Path outside = Files.createDirectories(parent.resolve("outside"));
        Path precious = Files.writeString(outside.resolve("precious"), "keep me");
        Path tree = Files.createDirectories(parent.resolve("tree/sub"));
        Files.createSymbolicLink(tree.resolve("to-outside"), outside);
        Files.createSymbolicLink(parent.resolve("tree/to-file"), precious);

        ScratchFolder.delete(parent.resolve("tree"));

        assertFalse(Files.exists(parent.resolve("tree"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("keep me", Files.readString(precious));
    }

    @Test
    void deletingWhatIsNotThereDoesNothing() throws Exception {
        ScratchFolder.delete(parent.resolve("absent"));
        try (Stream<Path> entries = Files.list(parent)) {
            assertEquals(0, entries.count());
        }
    }
}
