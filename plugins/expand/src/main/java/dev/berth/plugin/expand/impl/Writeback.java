package dev.berth.plugin.expand.impl;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Flushes the filesystem of a snapshot being unpacked every little while, so that the disk writes its files
 * while the next ones are unpacked instead of all at once in the commit's final flush, which then finds
 * little left to do. The commit's own flush is still the one durability rests on: a flush here that fails
 * is ignored. One thread per unpack; {@link #close()} stops it and waits for a flush under way.
 */
final class Writeback implements AutoCloseable {
    private final Thread thread;
    private boolean closed;

    /** Starts flushing the filesystem holding {@code dir} every {@code intervalMillis}. */
    Writeback(Path dir, long intervalMillis) {
        this.thread = new Thread(() -> {
            while (true) {
                try {
                    synchronized (this) {
                        if (!closed) {
                            wait(intervalMillis);
                        }
                        if (closed) {
                            return;
                        }
                    }
                    SnapshotStore.syncTree(dir);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    // Only an early start: the commit's flush reports what is wrong with the disk.
                }
            }
        }, "berth-expand-writeback");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll(); // wakes the wait; a flush under way is let finish rather than left running on its own
        }
        try {
            thread.join(120_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
