package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The early flushes while a layer unpacks: they run, they stop on close, and a failing one harms nothing. */
class WritebackTest {
    @TempDir
    Path tmp;

    private static long writebackThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("berth-expand-writeback") && t.isAlive()).count();
    }

    @Test
    void flushesUntilClosedThenStops() throws Exception {
        long before = writebackThreads();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (Writeback w = new Writeback(tmp, 10)) {
                Files.writeString(tmp.resolve("f"), "x");
                Thread.sleep(200); // several flushes (sync -f) run meanwhile
                assertTrue(writebackThreads() > before, "a flushing thread runs while open");
            }
        });
        assertFalse(writebackThreads() > before, "close stops the thread and waits for it");
    }

    @Test
    void aFailingFlushIsIgnoredAndCloseStillReturns() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (Writeback w = new Writeback(tmp.resolve("missing"), 5)) {
                Thread.sleep(100); // sync -f of a missing folder fails every time
            }
        });
    }
}
