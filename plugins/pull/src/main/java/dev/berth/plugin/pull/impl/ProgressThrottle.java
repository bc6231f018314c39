package dev.berth.plugin.pull.impl;

import dev.berth.api.image.Digest;
import dev.berth.api.stage.StageProgress;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Passes byte-count updates of blob transfers on to a {@link StageProgress}, one per blob every so many bytes
 * and always the last, so a fast transfer does not flood the CLI. Thread-safe.
 */
final class ProgressThrottle {
    /** How many bytes a blob's transfer moves between two updates: 1 MiB. */
    static final long EVERY_BYTES = 1 << 20;

    private final StageProgress progress;
    private final Map<Digest, Long> reported = new ConcurrentHashMap<>();

    ProgressThrottle(StageProgress progress) {
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /** Reports {@code bytes} of {@code total} of {@code blob} in {@code status} if enough moved since the last report. */
    void update(Digest blob, String status, long bytes, long total) {
        Long last = reported.get(blob);
        if (last == null || bytes - last >= EVERY_BYTES || bytes == total) {
            reported.put(blob, bytes);
            progress.update(blob.shortHex(), status, bytes, total);
        }
    }
}
