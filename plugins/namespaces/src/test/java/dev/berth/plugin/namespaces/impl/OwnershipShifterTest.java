package dev.berth.plugin.namespaces.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shifting a rootfs's ownership on a real tree (root only: chown): every entry moves by the map, links
 * are re-owned but never followed, nothing outside the tree changes, hard links move once (and a name of a
 * broken link is shifted on its own), setuid bits survive, unmapped ids stay and are counted and lose their
 * set-id bits, and the applied map is recorded beside the tree, never read from an attribute the image sets.
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
        assertEquals(0, result.setIdCleared());
    }

    @Test
    void theRecordLivesInTheParentFolderAndTheSameMapTwiceChangesNothing() throws IOException {
        OwnershipShifter shifter = new OwnershipShifter();
        shifter.shift(root, AUTO, AUTO);
        Path record = dir.resolve("idmap");
        assertTrue(Files.isRegularFile(record, LinkOption.NOFOLLOW_LINKS));
        assertEquals("0600 0:0", modeAndOwner(record));
        assertEquals("rootfs\tuid=0:1000000:65536;gid=0:1000000:65536\n", Files.readString(record));
        assertFalse(userXattrs(root).contains("berth.idmap"), "nothing is written on the tree itself");

        OwnershipShifter.Result again = shifter.shift(root, AUTO, AUTO);
        assertTrue(again.alreadyApplied());
        assertEquals(0, again.changed());
        assertEquals("1001000:1001000", TestTrees.owner(root.resolve("home/app")));
        assertEquals("1000000:1000000", TestTrees.owner(root.resolve("bin/busybox")));
    }

    /** Two trees in one folder keep a record each in the folder's one file. */
    @Test
    void treesInOneFolderAreRecordedApart() throws IOException {
        Path other = Files.createDirectories(dir.resolve("other"));
        OwnershipShifter shifter = new OwnershipShifter();
        shifter.shift(root, AUTO, AUTO);
        IdMap second = IdMap.parse("0:2000000:65536");
        assertFalse(shifter.shift(other, second, second).alreadyApplied());
        assertEquals("2000000:2000000", TestTrees.owner(other));
        assertEquals(Optional.of("uid=0:1000000:65536;gid=0:1000000:65536"), OwnershipShifter.recorded(root));
        assertEquals(Optional.of("uid=0:2000000:65536;gid=0:2000000:65536"), OwnershipShifter.recorded(other));
        assertTrue(shifter.shift(root, AUTO, AUTO).alreadyApplied());
    }

    /**
     * ForgedXattrMarker: an image layer can carry {@code user.berth.idmap} (PAX SCHILY.xattr.user.*) on its
     * root, naming the very map about to be applied; it is not read, and the tree is shifted anyway.
     */
    @Test
    void aForgedXattrOnTheRootIsIgnored() throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(root, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        try {
            view.write("berth.idmap", ByteBuffer.wrap(OwnershipShifter.marker(AUTO, AUTO)
                    .getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException | UnsupportedOperationException e) {
            Assumptions.abort("no user xattrs on " + dir + ": " + e);
        }
        OwnershipShifter.Result result = new OwnershipShifter().shift(root, AUTO, AUTO);
        assertFalse(result.alreadyApplied());
        assertEquals(8, result.changed());
        assertEquals("1000000:1000000", TestTrees.owner(root));
        assertEquals("1000000:1000000", TestTrees.owner(root.resolve("bin/busybox")));
        assertEquals("1001000:1001000", TestTrees.owner(root.resolve("home/app")));

        // A forged attribute naming another map does not make the shifter translate from it either.
        Path second = Files.createDirectories(dir.resolve("second"));
        Files.createDirectories(second.resolve("home"));
        TestTrees.chown(second.resolve("home"), 1000, 1000);
        Files.getFileAttributeView(second, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .write("berth.idmap", ByteBuffer.wrap("uid=1000:0:1;gid=1000:0:1".getBytes(StandardCharsets.US_ASCII)));
        new OwnershipShifter().shift(second, AUTO, AUTO);
        assertEquals("1000000:1000000", TestTrees.owner(second));
        assertEquals("1001000:1001000", TestTrees.owner(second.resolve("home")));
    }

    /** A record file that is not root's 0600 regular file is refused, not trusted; a link is not followed. */
    @Test
    void aRecordFileNotRootsAloneIsRefused() throws IOException {
        Path record = dir.resolve("idmap");
        Files.writeString(record, "rootfs\tuid=0:1000000:65536;gid=0:1000000:65536\n");
        Files.setAttribute(record, "unix:mode", 0644);
        assertThrows(IOException.class, () -> new OwnershipShifter().shift(root, AUTO, AUTO));
        assertEquals("0:0", TestTrees.owner(root));

        Files.delete(record);
        Path elsewhere = outside.resolve("forged");
        Files.writeString(elsewhere, "rootfs\tuid=0:1000000:65536;gid=0:1000000:65536\n");
        Files.setAttribute(elsewhere, "unix:mode", 0600);
        Files.createSymbolicLink(record, elsewhere);
        assertThrows(IOException.class, () -> new OwnershipShifter().shift(root, AUTO, AUTO));
        assertEquals("0:0", TestTrees.owner(root));
    }

    /** A tree whose folder others may write (such as /tmp) is shifted but gets no record there. */
    @Test
    void aFolderOthersMayWriteGetsNoRecord() throws IOException {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777);
        Path tree = Files.createDirectories(shared.resolve("rootfs"));
        OwnershipShifter.Result result = new OwnershipShifter().shift(tree, AUTO, AUTO);
        assertFalse(result.recorded());
        assertEquals("1000000:1000000", TestTrees.owner(tree));
        assertFalse(Files.exists(shared.resolve("idmap"), LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * UnmappedSetgid: with {@code --uidmap 0:1000:1} (gids the same) an image file 0:6 mode 2755 keeps host gid
     * 6 (disk); it must not keep setgid too. Likewise a setuid file of an unmapped owner. Directories keep
     * theirs (setgid on a directory grants nothing).
     */
    @Test
    void anUnshiftedSetIdFileLosesItsBits() throws IOException {
        Path disk = root.resolve("bin/disktool");
        Files.writeString(disk, "#!/bin/sh\n");
        TestTrees.chown(disk, 0, 6);
        Files.setAttribute(disk, "unix:mode", 02755);
        Path su = root.resolve("bin/su");
        Files.writeString(su, "#!/bin/sh\n");
        TestTrees.chown(su, 70000, 70000);
        Files.setAttribute(su, "unix:mode", 04755);
        Path shared = Files.createDirectories(root.resolve("srv"));
        TestTrees.chown(shared, 0, 50);
        Files.setAttribute(shared, "unix:mode", 02775);

        IdMap one = IdMap.parse("0:1000:1");
        OwnershipShifter.Result result = new OwnershipShifter().shift(root, one, one);

        assertEquals("1000:6", TestTrees.owner(disk), "uid 0 is mapped, gid 6 is not");
        assertEquals("0755 1000:6", modeAndOwner(disk));
        assertEquals("0755 70000:70000", modeAndOwner(su));
        assertEquals("2775 1000:50", modeAndOwner(shared));
        assertEquals("4755 1000:1000", modeAndOwner(root.resolve("bin/busybox")), "a shifted file keeps its bits");
        assertEquals(2, result.setIdCleared(), "disktool and su");
    }

    /**
     * BrokenHardLink: on overlay a copy-up of one name breaks a hard link while both names report the same inode
     * number, so the second name still shows the image's ids. Simulated with a real link whose owner is put
     * back to the image's right after the first name is shifted: the second name must be shifted on its own.
     */
    @Test
    void aRepeatedNameStillShowingOldIdsIsShifted() throws IOException {
        Path busybox = root.resolve("bin/busybox");
        Object key = Files.readAttributes(busybox, "unix:fileKey", LinkOption.NOFOLLOW_LINKS).get("fileKey");
        AtomicBoolean broken = new AtomicBoolean();
        OwnershipShifter shifter = new OwnershipShifter(path -> {
            Object seen = Files.readAttributes(path, "unix:fileKey", LinkOption.NOFOLLOW_LINKS).get("fileKey");
            if (key.equals(seen) && broken.compareAndSet(false, true)) {
                TestTrees.chown(path, 0, 0);
                Files.setAttribute(path, "unix:mode", 04755, LinkOption.NOFOLLOW_LINKS);
            }
        });
        OwnershipShifter.Result result = shifter.shift(root, AUTO, AUTO);
        assertTrue(broken.get());
        assertEquals("4755 1000000:1000000", modeAndOwner(busybox));
        assertEquals("4755 1000000:1000000", modeAndOwner(root.resolve("bin/hard2")));
        assertEquals(9, result.changed(), "the repeated name counts as re-owned");
    }

    /**
     * SymlinkToSetuidOutside: links to a setuid file outside the tree, one of a mapped owner and one of an
     * unmapped owner, are re-owned themselves (or left) but their target keeps its mode and owner.
     */
    @Test
    void aSymlinkToASetuidFileOutsideChangesNothingOutside() throws IOException {
        Path target = outside.resolve("setuid");
        Files.writeString(target, "#!/bin/sh\n");
        TestTrees.chown(target, 1234, 1234);
        Files.setAttribute(target, "unix:mode", 04755);
        Path mapped = Files.createSymbolicLink(root.resolve("bin/mapped"), target);
        Path unmapped = Files.createSymbolicLink(root.resolve("bin/unmapped"), target);
        TestTrees.chown(unmapped, 70000, 70000);
        Path relative = Files.createSymbolicLink(root.resolve("bin/relative"), Path.of("../../outside/setuid"));

        new OwnershipShifter().shift(root, AUTO, AUTO);

        assertEquals("4755 1234:1234", modeAndOwner(target));
        assertEquals("1000000:1000000", TestTrees.owner(mapped));
        assertEquals("70000:70000", TestTrees.owner(unmapped));
        assertEquals("1000000:1000000", TestTrees.owner(relative));
        assertEquals("1234:1234", TestTrees.owner(outside));
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

    /** {@code MODE uid:gid} of {@code path} itself, the mode in four octal digits. */
    private static String modeAndOwner(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        return String.format("%04o", mode) + " " + TestTrees.owner(path);
    }

    private static List<String> userXattrs(Path path) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        try {
            return view.list();
        } catch (UnsupportedOperationException e) {
            return List.of();
        }
    }
}
