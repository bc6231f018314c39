package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.MountStage;
import dev.berth.api.container.MountedRootfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parallel calls for one container, and an unmount that finds the root filesystem in use. */
class ConcurrencyAndBusyTest {
    @TempDir
    Path tmp;
    Path root;
    List<String> layers;
    MountStage stage;
    Process holder;

    @BeforeEach
    void setUp() throws Exception {
        Fixture.assumeRoot();
        root = Files.createDirectory(tmp.resolve("root"));
        layers = Fixture.strings(Fixture.twoLayers(tmp));
        stage = new MountStageComponent(Map.of("berth.root", root.toString(),
                MountStageComponent.SNAPSHOTTER_PROPERTY, "overlay")::get);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (holder != null) {
            holder.destroyForcibly().waitFor();
        }
        Fixture.unmountAll(tmp);
    }

    @Test
    void parallelMountsOfOneContainerMountOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<MountedRootfs>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(() -> stage.mount(Fixture.ID_A, layers));
            }
            var results = new HashSet<MountedRootfs>();
            for (Future<MountedRootfs> f : pool.invokeAll(calls)) {
                results.add(f.get());
            }
            assertEquals(1, results.size());
            assertEquals(1, Fixture.mountsUnder(root).size(), "one mount, not one per call");

            List<Callable<Void>> removes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                removes.add(() -> {
                    stage.remove(Fixture.ID_A);
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(removes)) {
                f.get();
            }
            RootfsStore.awaitDeletions();
            assertEquals(List.of(), Fixture.names(root.resolve("mounts")));
            assertEquals(List.of(), Fixture.mountsUnder(root));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void busyRootfsFailsClearlyAfterRetryingThenUnmountsOnceFree() throws Exception {
        Path merged = Path.of(stage.mount(Fixture.ID_A, layers).rootfs());
        holder = new ProcessBuilder("sleep", "60").directory(merged.toFile()).start();

        long start = System.nanoTime();
        BerthException e = assertThrows(BerthException.class, () -> stage.unmount(Fixture.ID_A));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(ErrorKind.CONFLICT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("unmount container " + Fixture.ID_A + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("busy"), e.getMessage());
        assertTrue(millis >= 800, "retried for about a second, took " + millis + " ms");
        assertEquals(1, Fixture.mountsUnder(root).size());
        assertThrows(BerthException.class, () -> stage.remove(Fixture.ID_A), "remove must not delete under a mount");
        assertTrue(Files.exists(root.resolve("mounts").resolve(Fixture.ID_A).resolve("upper")));

        holder.destroyForcibly().waitFor();
        stage.unmount(Fixture.ID_A);
        assertEquals(List.of(), Fixture.mountsUnder(root));
        stage.remove(Fixture.ID_A);
        RootfsStore.awaitDeletions();
        assertEquals(List.of(), Fixture.names(root.resolve("mounts")));
    }
}
