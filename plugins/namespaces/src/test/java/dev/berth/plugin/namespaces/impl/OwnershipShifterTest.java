package dev.berth.plugin.namespaces.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shifting a rootfs's ownership on a real tree (root only: chown): every entry moves by the map, links
 * are re-owned but never followed, nothing outside the tree changes, hard links move once, setuid bits
 * survive, unmapped ids stay and are counted, and the applied map is recorded.
 */
class OwnershipShifterTest {
    private static final IdMap AUTO = IdMap.parse("0:1000000:65536");

    @TempDir
    Path dir;
    Path root;
    Path outside;

    @BeforeEach
    void tree() throws IOException {
        Assumptions.assumeTrue(TestTrees.isRoot(), "chown needs root; these tests run as root on the CI host");
        outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("sentinel"), "keep me");
        TestTrees.chown(outside.resolve("sentinel"), 1234, 1234);
        TestTrees.chown(outside, 1234, 1234);

        root = Files.createDirectories(dir.resolve("rootfs"));
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/busybox"), "#!/bin/sh\n");
        Files.setAttribute(root.resolve("bin/busybox"), "unix:mode", 04755);
        Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("busybox"));
        Files.createLink(root.resolve("bin/hard2"), root.resolve("bin/busybox"));
        Files.createSymbolicLink(root.resolve("escape"), outside.resolve("sentinel"));
        Files.createSymbolicLink(root.resolve("dirlink"), Path.of("../outside"));
        Files.createDirectories(root.resolve("home/app"));
        TestTrees.chown(root.resolve("home/app"), 1000, 1000);
        Files.writeString(root.resolve("home/app/stray"), "owned beyond the map");
        TestTrees.chown(root.resolve("home/app/stray"), 70000, 70000);
    }

    @Test
    void shiftsEveryEntryOnceWithoutLeavingTheTree() throws IOException {
        OwnershipShifter.Result result = new OwnershipShifter().shift(root, AUTO, AUTO);

        assertEquals("1000000:1000000", TestTrees.owner(root));
        assertEquals("1000000:1000000", TestTrees.owner(root.resolve("bin")));
        assertEquals("1000000:1000000", TestTrees.owner(root.resolve("bin/busybox")), "a hard link moves once");
        assertEquals("1000000:1000000", TestTrees.owner(root.resolve("bin/sh")), "the link itself is re-owned");
        assertEquals("1000000:1000000", TestTrees.owner(root.resolve("escape")));
        assertEquals("1000000:1000000", TestTrees.owner(root.resolve("dirlink")));
        assertEquals("1001000:1001000", TestTrees.owner(root.resolve("home/app")));
        assertEquals("70000:70000", TestTrees.owner(root.resolve("home/app/stray")), "unmapped ids stay");

        assertEquals("1234:1234", TestTrees.owner(outside.resolve("sentinel")), "a link target outside is untouched");
        assertEquals("1234:1234", TestTrees.owner(outside), "a linked directory outside is not entered");
        assertEquals("keep me", Files.readString(outside.resolve("sentinel")));

        assertEquals(04755, (Integer) Files.getAttribute(root.resolve("bin/busybox"), "unix:mode") & 07777,
                "setuid survives chown");
        assertEquals(10, result.entries(), "root bin busybox sh hard2 escape dirlink home app stray");
        assertEquals(8, result.changed());
        assertEquals(1, result.unmapped());
        assertEquals(List.of("stray (70000:70000)"), result.examples());
        assertTrue(result.recorded());
        assertEquals(Optional.of("uid=0:1000000:65536;gid=0:1000000:65536"), OwnershipShifter.recorded(root));
    }

    @Test
    void theSameMapTwiceChangesNothing() throws IOException {
        OwnershipShifter shifter = new OwnershipShifter();
        shifter.shift(root, AUTO, AUTO);
        OwnershipShifter.Result again = shifter.shift(root, AUTO, AUTO);
        assertTrue(again.alreadyApplied());
        assertEquals(0, again.changed());
        assertEquals("1001000:1001000", TestTrees.owner(root.resolve("home/app")));
    }

    @Test
    void anotherMapStartsFromTheRecordedOne() throws IOException {
        OwnershipShifter shifter = new OwnershipShifter();
        shifter.shift(root, AUTO, AUTO);
        IdMap other = IdMap.parse("0:2000000:65536");
        IdMap otherGids = IdMap.parse("0:3000000:65536");
        shifter.shift(root, other, otherGids);
        assertEquals("2000000:3000000", TestTrees.owner(root));
        assertEquals("2001000:3001000", TestTrees.owner(root.resolve("home/app")));
        assertEquals("2000000:3000000", TestTrees.owner(root.resolve("bin/hard2")));
        assertEquals("70000:70000", TestTrees.owner(root.resolve("home/app/stray")));
        assertEquals("1234:1234", TestTrees.owner(outside.resolve("sentinel")));
    }

    @Test
    void splitMapsMoveEachRangeByItsOwnOffset() throws IOException {
        IdMap split = IdMap.parse("0:100000:1000,1000:500000:1000");
        new OwnershipShifter().shift(root, split, split);
        assertEquals("100000:100000", TestTrees.owner(root.resolve("bin")));
        assertEquals("500000:500000", TestTrees.owner(root.resolve("home/app")));
    }

    @Test
    void aRootThatIsASymlinkIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("rootlink"), outside);
        assertThrows(IOException.class, () -> new OwnershipShifter().shift(link, AUTO, AUTO));
        assertEquals("1234:1234", TestTrees.owner(outside));
        assertFalse(Files.getAttribute(outside.resolve("sentinel"), "unix:uid", LinkOption.NOFOLLOW_LINKS)
                .equals(1_001_234));
    }

    @Test
    void aDebianSizedTreeShiftsQuickly() throws IOException {
        Path big = Files.createDirectories(dir.resolve("big"));
        for (int d = 0; d < 70; d++) {
            Path sub = Files.createDirectories(big.resolve("d" + d));
            for (int f = 0; f < 100; f++) {
                Files.writeString(sub.resolve("f" + f), "");
            }
        }
        long start = System.nanoTime();
        OwnershipShifter.Result result = new OwnershipShifter().shift(big, AUTO, AUTO);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("OwnershipShifterTest: " + result.entries() + " entries shifted in " + millis + " ms");
        assertEquals(7071, result.changed());
        assertTrue(millis < 20_000, "7,071 entries took " + millis + " ms");
    }
}
