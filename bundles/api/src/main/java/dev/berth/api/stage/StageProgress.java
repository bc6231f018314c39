package dev.berth.api.stage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a stage reports progress while it works, for the CLI's per-layer lines. Thread-safe; cheap to
 * call often.
 */
@ProviderType
public interface StageProgress {
    /** Discards everything. */
    StageProgress NONE = (item, status, current, total) -> { };

    /**
     * Reports that {@code item} (a short digest) is in {@code status} ("downloading", "verified",
     * "cached", "expanding", "expanded") with {@code current} of {@code total} bytes (-1 if unknown).
     */
    void update(String item, String status, long current, long total);
}
