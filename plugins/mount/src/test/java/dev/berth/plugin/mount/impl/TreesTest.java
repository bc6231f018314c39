package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deleting trees: links are removed, never followed; mount points stop the walk. */
class TreesTest {
    @TempDir
    Path tmp;

    @AfterEach
    void cleanUp() throws Exception {
        Fixture.unmountAll(tmp);
    }

    @Test
    void deletesLinksNotTargetsAndUnreadableDirectories() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Path keep = Files.writeString(outside.resolve("keep"), "keep");
        Path top = Files.createDirectories(tmp.resolve("top/a/b"));
        Files.createSymbolicLink(top.resolve("dir-link"), outside);
        Files.createSymbolicLink(top.resolve("file-link"), keep);
        Files.createSymbolicLink(tmp.resolve("top/loop"), Path.of("loop"));
        Files.setAttribute(tmp.resolve("top/a"), "unix:mode", 0);

        Trees.delete(tmp.resolve("top"));

        assertFalse(Files.exists(tmp.resolve("top"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("keep", Files.readString(keep));
        Trees.delete(tmp.resolve("top"));
    }

    @Test
    void deletesALinkGivenAsTheTopWithoutFollowingIt() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "keep");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), outside);

        Trees.delete(link);
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of("keep"), Fixture.names(outside));
        Trees.clear(Files.createSymbolicLink(tmp.resolve("link2"), outside));
        assertEquals(List.of("keep"), Fixture.names(outside));
    }

    @Test
    void clearKeepsTheDirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("dir/sub"));
        Files.writeString(dir.resolve("f"), "f");
        Trees.clear(tmp.resolve("dir"));
        assertEquals(List.of(), Fixture.names(tmp.resolve("dir")));
    }

    @Test
    void refusesToDeleteAcrossAMountPoint() throws Exception {
        Fixture.assumeRoot();
        Path point = Files.createDirectories(tmp.resolve("top/mnt"));
        Fixture.run("mount", "-t", "tmpfs", "tmpfs", point.toString());
        Path precious = Files.writeString(point.resolve("precious"), "on another filesystem");

        IOException e = assertThrows(IOException.class, () -> Trees.delete(tmp.resolve("top")));

        assertTrue(e.getMessage().contains("another filesystem"), e.getMessage());
        assertEquals("on another filesystem", Files.readString(precious));
    }
}
