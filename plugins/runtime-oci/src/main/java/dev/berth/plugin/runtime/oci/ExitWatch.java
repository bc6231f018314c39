package dev.berth.plugin.runtime.oci;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;

/**
 * Wakes the exit poller the moment a monitor renames {@code exit.json} into a watched state folder (inotify
 * on Linux), so an exit is published within a millisecond or so rather than at the next 100 ms round. The
 * poller stays the safety net: a folder that cannot be watched, or an event lost to an inotify queue
 * overflow, is still caught by its next round. Thread-safe.
 */
final class ExitWatch implements AutoCloseable {
    private final WatchService service;
    private final Runnable wake;

    private ExitWatch(WatchService service, Runnable wake) {
        this.service = service;
        this.wake = wake;
    }

    /** A watch calling {@code wake} (which must not block) on each exit file; null if the host has none. */
    static ExitWatch start(String name, Runnable wake) {
        WatchService service;
        try {
            service = Path.of("/").getFileSystem().newWatchService();
        } catch (IOException | UnsupportedOperationException e) {
            return null;   // the poller alone then
        }
        ExitWatch watch = new ExitWatch(service, wake);
        Thread thread = new Thread(watch::loop, "berth-" + name + "-exit-watch");
        thread.setDaemon(true);
        thread.start();
        return watch;
    }

    /** Watches {@code stateDir} for its exit file; quietly does nothing when it cannot (the poller covers it). */
    void watch(Path stateDir) {
        try {
            stateDir.register(service, StandardWatchEventKinds.ENTRY_CREATE);
        } catch (IOException | RuntimeException e) {
            // e.g. the inotify watch limit: the 100 ms poller still sees the exit
        }
    }

    private void loop() {
        while (true) {
            WatchKey key;
            try {
                key = service.take();
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            }
            boolean exit = false;
            for (WatchEvent<?> event : key.pollEvents()) {
                Object context = event.context();
                exit |= event.kind() == StandardWatchEventKinds.OVERFLOW
                        || (context instanceof Path file && file.toString().equals(ExitFile.NAME));
            }
            key.reset();   // false once the folder is gone: the key is then cancelled, as it should be
            if (exit) {
                wake.run();
            }
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
