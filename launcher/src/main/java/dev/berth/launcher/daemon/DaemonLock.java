package dev.berth.launcher.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive claim of one daemon on a state root: an OS file lock on {@code <root>/daemon.lock}, which also
 * holds the owner's pid, and the pid file {@code <run>/berth.pid}. The OS drops the lock when the process
 * dies, so a killed daemon never blocks the next one. Acquire once per process (closing any other channel on
 * the lock file would drop the lock); {@link #close()} is idempotent and thread-safe.
 */
public final class DaemonLock implements AutoCloseable {

    /** Name of the lock file in the state root. */
    public static final String LOCK_FILE = "daemon.lock";
    /** Name of the pid file in the run folder. */
    public static final String PID_FILE = "berth.pid";

    private final FileChannel channel;
    private final FileLock lock;
    private final Path pidFile;
    private final long pid;
    private boolean closed;

    private DaemonLock(FileChannel channel, FileLock lock, Path pidFile, long pid) {
        this.channel = channel;
        this.lock = lock;
        this.pidFile = pidFile;
        this.pid = pid;
    }

    /**
     * Takes the lock on {@code root} for process {@code pid} and writes the pid file into {@code run}.
     *
     * @throws DaemonException "another daemon is using state root R (pid N)" if the lock is held, or naming the
     *                         file that could not be written
     */
    public static DaemonLock acquire(Path root, Path run, long pid) throws DaemonException {
        Path lockFile = root.resolve(LOCK_FILE);
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new DaemonException("cannot open lock file " + lockFile + ": " + IoErrors.cause(e), e);
        }
        FileLock lock;
        boolean heldByThisProcess = false;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
            heldByThisProcess = true;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new DaemonException("cannot lock " + lockFile + ": " + IoErrors.cause(e), e);
        }
        if (lock == null) {
            String holder = readPid(channel);
            if (!heldByThisProcess) {
                // When this process holds the lock through another channel, closing this one could drop
                // that lock on some systems; leave it open instead.
                closeQuietly(channel);
            }
            throw new DaemonException("another daemon is using state root " + root
                    + (holder == null ? "" : " (pid " + holder + ")"));
        }
        Path pidFile = run.resolve(PID_FILE);
        try {
            byte[] text = (pid + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(text), 0);
            channel.force(true);
            Path temporary = run.resolve(PID_FILE + ".tmp");
            Files.write(temporary, text);
            Files.move(temporary, pidFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new DaemonException("cannot write pid file " + pidFile + ": " + IoErrors.cause(e), e);
        }
        return new DaemonLock(channel, lock, pidFile, pid);
    }

    /** The pid written into the lock file, or {@code null} if it cannot be read. */
    private static String readPid(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(64);
            int n = channel.read(buffer, 0);
            if (n <= 0) {
                return null;
            }
            String text = new String(buffer.array(), 0, n, StandardCharsets.US_ASCII).trim();
            return text.matches("[0-9]+") ? text : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The pid file this lock wrote. */
    public Path pidFile() {
        return pidFile;
    }

    /** Deletes the pid file (if it still names this process) and releases the lock. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (Files.isRegularFile(pidFile)
                    && Files.readString(pidFile, StandardCharsets.US_ASCII).trim().equals(Long.toString(pid))) {
                Files.delete(pidFile);
            }
        } catch (IOException e) {
            // The lock is what matters; a stale pid file is overwritten by the next daemon.
        }
        try {
            channel.truncate(0);
            lock.release();
        } catch (IOException e) {
            // Closing the channel below releases the lock as well.
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing left to do with it.
        }
    }
}
