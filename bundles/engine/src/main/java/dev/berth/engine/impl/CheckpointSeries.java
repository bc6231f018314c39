package dev.berth.engine.impl;

import dev.berth.engine.impl.CheckpointStore.Checkpoint;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The checkpoints time travel starts from: the projections' state every {@code interval} records,
 * one file each ({@code at-<sequence>.json}), so the state at any sequence is one restore plus at most
 * {@code interval} records of replay. Written by a thread of its own, off the log's writer thread; a
 * file that exists is never written again. Thread-safe.
 */
final class CheckpointSeries implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("berth.engine.checkpoints");
    /** Records between two checkpoints of the series. */
    static final long INTERVAL = 25_000;
    private static final String PREFIX = "at-";
    private static final String SUFFIX = ".json";

    private final CheckpointStore store;
    private final long interval;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "berth-checkpoint-series");
        thread.setDaemon(true);
        return thread;
    });

    CheckpointSeries(CheckpointStore store, long interval) {
        if (interval < 1) {
            throw new IllegalArgumentException("checkpoint interval " + interval + ": must be at least 1");
        }
        this.store = store;
        this.interval = interval;
    }

    /** Records between two checkpoints. */
    long interval() {
        return interval;
    }

    /** Whether the state after record {@code sequence} should be kept. */
    boolean due(long sequence) {
        return sequence % interval == 0 && !Files.exists(file(sequence));
    }

    /** Writes {@code checkpoint} in the background. */
    void submit(Checkpoint checkpoint) {
        writer.execute(() -> {
            Path file = file(checkpoint.sequence());
            try {
                if (!Files.exists(file)) {
                    store.write(file, checkpoint);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "write checkpoint " + file + ": " + e.getMessage());
            }
        });
    }

    /** Waits until every submitted checkpoint is on disk (for tests and shutdown). */
    void flush() {
        try {
            writer.submit(() -> null).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "wait for checkpoints: " + e.getMessage());
        }
    }

    /**
     * The stored checkpoints at or before {@code sequence}, newest first, read lazily by the caller:
     * a file that does not read is skipped with a warning.
     */
    List<Long> sequencesUpTo(long sequence) {
        List<Long> found = new ArrayList<>();
        if (!Files.isDirectory(store.directory())) {
            return found;
        }
        try (Stream<Path> files = Files.list(store.directory())) {
            files.map(f -> parse(f.getFileName().toString())).filter(s -> s > 0 && s <= sequence)
                    .forEach(found::add);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "list checkpoints in " + store.directory() + ": " + e.getMessage());
        }
        found.sort(Collections.reverseOrder());
        return found;
    }

    /** The checkpoint after record {@code sequence}, if stored and readable. */
    Optional<Checkpoint> read(long sequence) {
        try {
            return store.read(file(sequence));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "checkpoint " + file(sequence) + " does not read: " + e.getMessage());
            return Optional.empty();
        }
    }

    private Path file(long sequence) {
        return store.directory().resolve(PREFIX + String.format("%020d", sequence) + SUFFIX);
    }

    private static long parse(String name) {
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
