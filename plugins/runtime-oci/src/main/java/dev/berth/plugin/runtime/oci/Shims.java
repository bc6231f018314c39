package dev.berth.plugin.runtime.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Looks at a running monitor through its state dir ({@code shim.pid}, {@code exit.json}); stateless. */
final class Shims {
    /** The monitor option that has it delete its container from the runtime once the process ended. */
    static final String DELETE_AT_EXIT = "--delete-at-exit";

    private Shims() {
    }

    /** Whether the monitor that wrote {@code <stateDir>/shim.pid} still runs. */
    static boolean alive(Path stateDir) {
        return pid(stateDir) > 0;
    }

    /** The pid of the monitor that wrote {@code <stateDir>/shim.pid} while it runs, else 0. */
    private static long pid(Path stateDir) {
        long pid = pidOf(stateDir);
        return commandLine(pid).contains("berth-shim") ? pid : 0;
    }

    /**
     * Whether the monitor that wrote {@code <stateDir>/shim.pid} still runs and was started with
     * {@value #DELETE_AT_EXIT}: once its process ended, it deletes the container from the runtime and then ends.
     */
    static boolean deletesAtExit(Path stateDir) {
        String cmdline = commandLine(pidOf(stateDir));
        return cmdline.contains("berth-shim") && cmdline.contains("\0" + DELETE_AT_EXIT + "\0");
    }

    /** The NUL-separated command line of process {@code pid}, or "" when there is none. */
    private static String commandLine(long pid) {
        if (pid <= 0) {
            return "";
        }
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static long pidOf(Path stateDir) {
        try {
            return Long.parseLong(Files.readString(stateDir.resolve("shim.pid"), StandardCharsets.UTF_8).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Ends the monitor (SIGTERM, then SIGKILL after a second) and waits until it is gone, at most two seconds. */
    static void terminate(Path stateDir) {
        long pid = pid(stateDir);
        if (pid <= 0) {
            return;
        }
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        boolean killed = false;
        while (alive(stateDir) && System.nanoTime() < deadline) {
            if (!killed && System.nanoTime() > deadline - Duration.ofSeconds(1).toNanos()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                killed = true;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
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
