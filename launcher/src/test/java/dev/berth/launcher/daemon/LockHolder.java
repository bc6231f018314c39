package dev.berth.launcher.daemon;

import java.nio.file.Path;

/**
 * A separate JVM holding a daemon lock for {@link DaemonLockTest}: takes the lock on {@code args[0]} with the
 * run folder {@code args[1]}, prints {@code locked}, and keeps it until its standard input closes.
 */
public final class LockHolder {

    private LockHolder() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        DaemonLock lock = DaemonLock.acquire(Path.of(args[0]), Path.of(args[1]), ProcessHandle.current().pid());
        try {
            System.out.println("locked " + lock.pidFile());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Hold the lock until the test closes our stdin.
            }
        } finally {
            lock.close();
        }
    }
}
