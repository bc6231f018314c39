package dev.berth.plugin.mount.impl;

import static dev.berth.plugin.mount.impl.Fixture.ID_A;
import static dev.berth.plugin.mount.impl.Fixture.ID_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.container.MountStage;
import dev.berth.api.container.MountedRootfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The behaviour of the stage with each snapshotter, on real overlayfs and real files, as root. */
class MountStageTest {
    @TempDir
    Path tmp;
    Path root;
    List<Path> layers;
    Map<String, String> layersBefore;

    @BeforeEach
    void setUp() throws Exception {
        Fixture.assumeRoot();
        root = Files.createDirectory(tmp.resolve("root"));
        layers = Fixture.twoLayers(tmp);
        layersBefore = Fixture.describe(tmp.resolve("layers"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        Fixture.unmountAll(tmp);
    }

    private MountStage stage(String kind) throws Exception {
        MountStage stage = new MountStageComponent(
                Map.of("berth.root", root.toString(), MountStageComponent.SNAPSHOTTER_PROPERTY, kind)::get);
        assertEquals(kind, stage.snapshotter());
        return stage;
    }

    private Path mounts() {
        return root.resolve("mounts");
    }

    /** Whether the overlay at {@code point} is volatile: "volatile", or "fsync=volatile" since Linux 6.5. */
    private static boolean isVolatile(String point) throws Exception {
        List<String> options = superOptions(point);
        return options.contains("volatile") || options.contains("fsync=volatile");
    }

    /** The superblock options (last field of /proc/self/mountinfo) of the mount at {@code point}. */
    private static List<String> superOptions(String point) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields[4].equals(point)) {
                return List.of(fields[fields.length - 1].split(","));
            }
        }
        throw new AssertionError(point + " is not mounted");
    }

    @Test
    void aScratchContainersOverlayIsVolatileAndNoOtherIs() throws Exception {
        MountStage stage = stage("overlay");
        MountedRootfs scratch = stage.mount(ID_A, Fixture.strings(layers), true);
        MountedRootfs kept = stage.mount(ID_B, Fixture.strings(layers), false);
        assertTrue(isVolatile(scratch.rootfs()), superOptions(scratch.rootfs()).toString());
        assertFalse(isVolatile(kept.rootfs()), superOptions(kept.rootfs()).toString());
        assertFalse(isVolatile(stage.mount(ID_B, Fixture.strings(layers)).rootfs()), "found mounted as it was");
        Files.writeString(Path.of(scratch.rootfs()).resolve("written"), "x");
        stage.remove(ID_A);
        stage.remove(ID_B);
        RootfsStore.awaitDeletions();
        assertEquals(List.of(), Fixture.mountsUnder(root));
        assertEquals(List.of(), Fixture.names(mounts()));
    }

    @Test
    void aScratchContainerUnmountedAndMountedAgainOnTheSameBootKeepsItsWrites() throws Exception {
        MountStage stage = stage("overlay");
        MountedRootfs first = stage.mount(ID_A, Fixture.strings(layers), true);
        Files.writeString(Path.of(first.rootfs()).resolve("written"), "kept");
        stage.unmount(ID_A); // as a restart does; the kernel leaves work/incompat/volatile behind
        assertTrue(Files.isDirectory(mounts().resolve(ID_A).resolve("work/work/incompat/volatile")));
        MountedRootfs again = stage.mount(ID_A, Fixture.strings(layers), true);
        assertTrue(isVolatile(again.rootfs()));
        assertEquals("kept", Files.readString(Path.of(again.rootfs()).resolve("written")));
        stage.remove(ID_A);
        RootfsStore.awaitDeletions();
        assertEquals(List.of(), Fixture.mountsUnder(root));
    }

    @Test
    void aVolatileLayerFromBeforeTheHostWentDownIsNotMountedAgain() throws Exception {
        MountStage stage = stage("overlay");
        stage.mount(ID_A, Fixture.strings(layers), true);
        stage.unmount(ID_A);
        Path mark = mounts().resolve(ID_A).resolve("work/work/incompat/volatile");
        // As if that mount had been made before this boot, then the host crashed.
        Files.setLastModifiedTime(mark, java.nio.file.attribute.FileTime.fromMillis(1_000_000L));
        for (boolean scratch : new boolean[] {true, false}) {
            dev.berth.api.BerthException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.berth.api.BerthException.class, () -> stage.mount(ID_A, Fixture.strings(layers), scratch));
            assertTrue(e.getMessage().contains("was mounted volatile (a --rm container) when the host went down")
                    && e.getMessage().contains("remove the container"), e.getMessage());
            assertEquals(List.of(), Fixture.mountsUnder(root), "nothing left mounted");
            assertTrue(Files.isDirectory(mark), "the kernel's guard is kept");
        }
        stage.remove(ID_A);
        RootfsStore.awaitDeletions();
        assertEquals(List.of(), Fixture.names(mounts()));
    }

    @Test
    void aKernelThatRefusesVolatileGetsScratchOverlaysMountedAsAnyOther() throws Exception {
        List<String> options = new java.util.ArrayList<>();
        HostMountCommands host = new HostMountCommands();
        MountCalls refusing = new MountCalls() {
            @Override
            public void mountOverlay(String o, Path target) throws IOException {
                options.add(o);
                if (o.endsWith(",volatile")) {
                    throw new IOException("mount(2) of an overlay on " + target + ": 22 Invalid argument");
                }
                host.mountOverlay(o, target);
            }

            @Override
            public String umount(Path target) throws IOException {
                return host.umount(target);
            }
        };
        OverlaySnapshotter snapshotter = new OverlaySnapshotter(new Mounts(refusing));
        ContainerDir a = new ContainerDir(ID_A, mounts().resolve(ID_A));
        ContainerDir b = new ContainerDir(ID_B, mounts().resolve(ID_B));
        assertTrue(snapshotter.mount(a, layers, true).mounted());
        assertTrue(snapshotter.mount(b, layers, true).mounted());
        assertEquals(3, options.size(), options.toString());
        assertTrue(options.get(0).endsWith(",volatile"));
        assertFalse(options.get(1).contains("volatile"), "retried without it");
        assertFalse(options.get(2).contains("volatile"), "and not tried again");
        assertFalse(isVolatile(a.merged().toString()));
        snapshotter.unmount(a);
        snapshotter.unmount(b);
        assertEquals(List.of(), Fixture.mountsUnder(root));
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void mergedViewAppliesWhiteoutsAndOpaqueDirs(String kind) throws Exception {
        MountedRootfs r = stage(kind).mount(ID_A, Fixture.strings(layers));
        Path rootfs = Path.of(r.rootfs());
        assertEquals(List.of("b", "c", "d"), Fixture.names(rootfs));
        assertEquals("b from top", Files.readString(rootfs.resolve("b")));
        assertEquals("c from bottom", Files.readString(rootfs.resolve("c")));
        assertEquals(List.of("z"), Fixture.names(rootfs.resolve("d")));
        assertEquals(kind, r.snapshotter());
        assertTrue(r.mounted());
        assertEquals(ID_A, r.containerId());
        String expectedRoot = mounts().resolve(ID_A).resolve(kind.equals("overlay") ? "merged" : "rootfs").toString();
        assertEquals(expectedRoot, r.rootfs());
        assertEquals(kind.equals("overlay") ? mounts().resolve(ID_A).resolve("upper").toString() : expectedRoot,
                r.upperDir());
        assertEquals(kind.equals("overlay") ? List.of(r.rootfs()) : List.of(), Fixture.mountsUnder(root));
        assertEquals("755", Integer.toOctalString((Integer) Files.getAttribute(rootfs, "unix:mode") & 07777));
        assertEquals("700", Integer.toOctalString(
                (Integer) Files.getAttribute(mounts().resolve(ID_A), "unix:mode") & 07777),
                "no host user reaches a container's files");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void layerGivenThroughASymlinkIsUsedAtItsTarget(String kind) throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("top-link"), layers.get(1));
        MountedRootfs r = stage(kind).mount(ID_A, List.of(layers.get(0).toString(), link.toString()));
        assertEquals(List.of("b", "c", "d"), Fixture.names(Path.of(r.rootfs())));
        assertEquals(List.of("z"), Fixture.names(Path.of(r.rootfs()).resolve("d")));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(layersBefore, Fixture.describe(tmp.resolve("layers")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void writesLandInTheContainerLayerAndSurviveUnmount(String kind) throws Exception {
        MountStage stage = stage(kind);
        MountedRootfs r = stage.mount(ID_A, Fixture.strings(layers));
        Path rootfs = Path.of(r.rootfs());
        Files.writeString(rootfs.resolve("new"), "written");
        Files.writeString(rootfs.resolve("c"), "c changed");
        Files.delete(rootfs.resolve("d/z"));
        assertEquals("written", Files.readString(Path.of(r.upperDir()).resolve("new")));
        assertEquals(layersBefore, Fixture.describe(tmp.resolve("layers")), "the layers must not change");

        stage.unmount(ID_A);
        assertEquals(List.of(), Fixture.mountsUnder(root));
        assertEquals("written", Files.readString(Path.of(r.upperDir()).resolve("new")), "unmount keeps upper");

        MountedRootfs again = stage.mount(ID_A, Fixture.strings(layers));
        assertEquals(r, again);
        assertEquals("written", Files.readString(rootfs.resolve("new")));
        assertEquals("c changed", Files.readString(rootfs.resolve("c")));
        assertEquals(List.of(), Fixture.names(rootfs.resolve("d")));
        assertEquals(layersBefore, Fixture.describe(tmp.resolve("layers")), "the layers must not change");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void aRemovedFolderAStopLeftUndeletedIsDeletedByTheNextList(String kind) throws Exception {
        MountStage stage = stage(kind);
        stage.mount(ID_A, Fixture.strings(layers));
        Path left = Files.createDirectories(mounts().resolve(ID_B + RootfsStore.DISCARDED).resolve("upper/etc"));
        Files.writeString(left.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
        assertEquals(List.of(ID_A), stage.list().stream().map(MountedRootfs::containerId).toList());
        RootfsStore.awaitDeletions();
        assertEquals(List.of(ID_A), Fixture.names(mounts()));
        stage.remove(ID_A);
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void everyCallIsIdempotent(String kind) throws Exception {
        MountStage stage = stage(kind);
        MountedRootfs first = stage.mount(ID_A, Fixture.strings(layers));
        assertEquals(first, stage.mount(ID_A, Fixture.strings(layers)));
        assertEquals(kind.equals("overlay") ? 1 : 0, Fixture.mountsUnder(root).size(), "mounted once only");

        stage.unmount(ID_A);
        stage.unmount(ID_A);
        assertEquals(List.of(), Fixture.mountsUnder(root));
        assertEquals(List.of(new MountedRootfs(ID_A, first.rootfs(), first.upperDir(), kind,
                kind.equals("copy"))), stage.list(), "a copy stays usable until removed");

        stage.remove(ID_A);
        stage.remove(ID_A);
        RootfsStore.awaitDeletions(); // the folder is renamed at once and deleted by a worker
        assertEquals(List.of(), Fixture.names(mounts()));
        assertEquals(List.of(), stage.list());
        assertEquals(List.of(), Fixture.mountsUnder(root));
        stage.unmount(ID_A);
        assertEquals(layersBefore, Fixture.describe(tmp.resolve("layers")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void listReportsEveryContainerWithItsState(String kind) throws Exception {
        MountStage stage = stage(kind);
        assertEquals(List.of(), stage.list(), "nothing before the first mount");
        MountedRootfs a = stage.mount(ID_A, Fixture.strings(layers));
        MountedRootfs b = stage.mount(ID_B, Fixture.strings(layers.subList(0, 1)));
        Files.createDirectories(mounts().resolve("not-a-container"));
        Files.createDirectories(mounts().resolve("A".repeat(64)));
        stage.unmount(ID_B);
        boolean copy = kind.equals("copy");
        assertEquals(List.of(a, new MountedRootfs(ID_B, b.rootfs(), b.upperDir(), kind, copy)), stage.list());
        assertEquals(copy ? List.of("a", "b", "c", "d") : List.of(), Fixture.names(Path.of(b.rootfs())),
                "one layer, and an unmounted overlay shows nothing");
        stage.remove(ID_A);
        assertEquals(List.of(new MountedRootfs(ID_B, b.rootfs(), b.upperDir(), kind, copy)), stage.list());
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void removeDeletesHostileLinksNotTheirTargets(String kind) throws Exception {
        Path sentinel = Files.writeString(tmp.resolve("sentinel.txt"), "sentinel");
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        MountStage stage = stage(kind);
        Path rootfs = Path.of(stage.mount(ID_A, Fixture.strings(layers)).rootfs());
        Files.createSymbolicLink(rootfs.resolve("to-file"), sentinel);
        Files.createSymbolicLink(rootfs.resolve("to-dir"), outside);
        Files.createSymbolicLink(rootfs.resolve("d/to-root"), Path.of("/"));
        Files.createSymbolicLink(rootfs.resolve("dotdot"), Path.of("../../../../.."));

        stage.remove(ID_A);
        RootfsStore.awaitDeletions();

        assertFalse(Files.exists(mounts().resolve(ID_A), LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of(), Fixture.names(mounts()));
        assertEquals("sentinel", Files.readString(sentinel));
        assertEquals("keep", Files.readString(outside.resolve("keep.txt")));
        assertEquals(layersBefore, Fixture.describe(tmp.resolve("layers")));
        assertEquals(List.of(), Fixture.mountsUnder(root));
    }
}
