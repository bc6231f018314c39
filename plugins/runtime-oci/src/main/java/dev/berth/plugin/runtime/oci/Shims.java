package dev.berth.plugin.runtime.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Looks at a running monitor through its state dir ({@code shim.pid}, {@code exit.json}); stateless. */
final class Shims {
    private Shims() {
    }

    /** Whether the monitor that wrote {@code <stateDir>/shim.pid} still runs. */
    static boolean alive(Path stateDir) {
        try {
            long pid = Long.parseLong(Files.readString(stateDir.resolve("shim.pid"), StandardCharsets.UTF_8).strip());
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).contains("berth-shim");
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** Waits up to {@code limit} while the monitor runs without having written its exit file. */
    static void awaitExit(Path stateDir, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (alive(stateDir) && !Files.exists(stateDir.resolve(ExitFile.NAME)) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
