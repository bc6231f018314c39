package dev.berth.plugin.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inotify wake-up of the exit poller, on real folders: the monitor's rename of exit.json wakes it. */
class ExitWatchTest {
    @TempDir
    Path dir;

    @Test
    void theMonitorsRenameOfExitJsonWakesThePollerAndOtherFilesDoNot() throws Exception {
        Semaphore wakes = new Semaphore(0);
        ExitWatch watch = ExitWatch.start("test", wakes::release);
        assertNotNull(watch, "Linux has inotify");
        try {
            Path state = Files.createDirectories(dir.resolve("c1"));
            watch.watch(state);

            Files.writeString(state.resolve("container.log"), "x");   // not an exit
            Files.writeString(state.resolve(ExitFile.NAME + ".tmp"), "{\"exitCode\":3}");
            assertFalse(wakes.tryAcquire(300, TimeUnit.MILLISECONDS), "only exit.json wakes the poller");

            // What berth-shim does: write exit.json.tmp, then rename it into place.
            Files.move(state.resolve(ExitFile.NAME + ".tmp"), state.resolve(ExitFile.NAME),
                    StandardCopyOption.ATOMIC_MOVE);
            assertTrue(wakes.tryAcquire(5, TimeUnit.SECONDS), "the rename woke the poller");

            // A folder removed with its container cancels its watch; a new one is watched on its own.
            Files.delete(state.resolve(ExitFile.NAME));
            Files.delete(state.resolve("container.log"));
            Files.delete(state);
            Path second = Files.createDirectories(dir.resolve("c2"));
            watch.watch(second);
            Files.writeString(second.resolve(ExitFile.NAME), "{}");
            assertTrue(wakes.tryAcquire(5, TimeUnit.SECONDS), "the second folder's exit woke the poller");
            wakes.drainPermits();
        } finally {
            watch.close();
        }
        assertEquals(0, wakes.availablePermits());
    }

    @Test
    void aFolderThatCannotBeWatchedIsLeftToThePoller() {
        ExitWatch watch = ExitWatch.start("test", () -> { });
        assertNotNull(watch);
        try {
            watch.watch(dir.resolve("no-such-folder"));   // quietly nothing: the 100 ms poller covers it
        } finally {
            watch.close();
        }
    }
}
