package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state root lock between two processes, as two daemons would hold it. */
class DaemonLockTest {

    @TempDir
    Path temp;

    private Process holder;

    @AfterEach
    void stopHolder() throws Exception {
        if (holder != null && holder.isAlive()) {
            holder.destroy();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts a JVM that takes the lock on {@code root} and waits until it reports it holds it. */
    private Process holdLockInAnotherProcess(Path root, Path run) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), root.toString(), run.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("locked " + run.resolve("berth.pid"), lines.readLine(), "the lock holder did not start");
        return process;
    }

    @Test
    void secondDaemonOnALockedRootNamesThePidOfTheFirst() throws Exception {
        Path root = Files.createDirectory(temp.resolve("root"));
        Path run1 = Files.createDirectory(temp.resolve("run1"));
        Path run2 = Files.createDirectory(temp.resolve("run2"));
        holder = holdLockInAnotherProcess(root, run1);

        DaemonException e = assertThrows(DaemonException.class,
                () -> DaemonLock.acquire(root, run2, ProcessHandle.current().pid()));

        assertEquals("another daemon is using state root " + root + " (pid " + holder.pid() + ")", e.getMessage());
        assertEquals(holder.pid() + "\n", Files.readString(run1.resolve("berth.pid")));
        assertFalse(Files.exists(run2.resolve("berth.pid")), "the refused daemon writes no pid file");
    }

    @Test
    void lockIsFreeAgainWhenTheHolderExitsEvenWithoutCleanup() throws Exception {
        Path root = Files.createDirectory(temp.resolve("root"));
        Path run = Files.createDirectory(temp.resolve("run"));
        holder = holdLockInAnotherProcess(root, run);
        holder.destroyForcibly();   // SIGKILL: no cleanup, the stale pid file stays.
        assertTrue(holder.waitFor(10, TimeUnit.SECONDS));

        long pid = ProcessHandle.current().pid();
        try (DaemonLock lock = DaemonLock.acquire(root, run, pid)) {
            assertEquals(pid + "\n", Files.readString(lock.pidFile()));
            assertEquals(pid + "\n", Files.readString(root.resolve("daemon.lock")));
        }
        assertFalse(Files.exists(run.resolve("berth.pid")), "closing the lock deletes the pid file");
    }

    @Test
    void wholeDaemonRefusesALockedRootWithOneLine() throws Exception {
        Path root = Files.createDirectory(temp.resolve("root"));
        Path run1 = Files.createDirectory(temp.resolve("run1"));
        holder = holdLockInAnotherProcess(root, run1);
        DaemonRun result = DaemonRun.of(root, temp.resolve("run2"), temp, 0);

        assertEquals(1, result.code());
        assertEquals("berth daemon: another daemon is using state root " + root + " (pid " + holder.pid() + ")\n",
                result.err());
        assertEquals("", result.out());
    }
}
