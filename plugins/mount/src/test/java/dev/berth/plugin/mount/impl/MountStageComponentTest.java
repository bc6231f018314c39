package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing the snapshotter at activation: the framework property forces one, else the probe decides. */
class MountStageComponentTest {
    @TempDir
    Path tmp;

    @AfterEach
    void cleanUp() throws Exception {
        Fixture.unmountAll(tmp);
    }

    @Test
    void probeChoosesOverlayHereAndLeavesNothing() throws Exception {
        Fixture.assumeRoot();
        MountStageComponent stage = new MountStageComponent(Map.of("berth.root", tmp.toString())::get);
        assertEquals("overlay", stage.snapshotter(), "overlayfs works on this host (ext4 /tmp, root)");
        assertEquals(List.of(), Fixture.names(tmp.resolve("mounts")), "the probe cleans up after itself");
        assertEquals(List.of(), Fixture.mountsUnder(tmp));
    }

    @Test
    void probeRemovesWhatAnInterruptedProbeLeft() throws Exception {
        Fixture.assumeRoot();
        Path stale = Files.createDirectories(tmp.resolve("mounts/.probe-0123/merged"));
        Fixture.run("mount", "-t", "tmpfs", "tmpfs", stale.toString());
        assertTrue(OverlayProbe.run(tmp.resolve("mounts"), Mounts.byCommands()).isEmpty());
        assertEquals(List.of(), Fixture.names(tmp.resolve("mounts")));
        assertEquals(List.of(), Fixture.mountsUnder(tmp));
    }

    @Test
    void probeFailsWhereOverlayCannotWork() throws Exception {
        Fixture.assumeRoot();
        // A state root on a read-only filesystem: the probe cannot even make its directories.
        Path ro = Files.createDirectory(tmp.resolve("ro"));
        Fixture.run("mount", "-t", "tmpfs", "-o", "ro", "tmpfs", ro.toString());
        assertTrue(OverlayProbe.run(ro.resolve("mounts"), Mounts.byCommands()).isPresent());
        assertEquals("copy", MountStageComponent.choose(ro, null, Mounts.byCommands()).kind());
        assertEquals(List.of(ro.toRealPath().toString()), Fixture.mountsUnder(tmp));
    }

    @Test
    void propertyForcesTheSnapshotterWithoutProbing() throws Exception {
        for (String kind : List.of("overlay", "copy", " copy ")) {
            MountStageComponent stage = new MountStageComponent(Map.of("berth.root", tmp.toString(),
                    MountStageComponent.SNAPSHOTTER_PROPERTY, kind)::get);
            assertEquals(kind.strip(), stage.snapshotter());
            assertFalse(Files.exists(tmp.resolve("mounts")), "forced: no probe, nothing created");
        }
    }

    @Test
    void unknownSnapshotterFailsActivation() {
        BerthException e = assertThrows(BerthException.class, () -> new MountStageComponent(
                Map.of("berth.root", tmp.toString(), MountStageComponent.SNAPSHOTTER_PROPERTY, "zfs")::get));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("berth.snapshotter") && e.getMessage().contains("\"zfs\""),
                e.getMessage());
    }
}
