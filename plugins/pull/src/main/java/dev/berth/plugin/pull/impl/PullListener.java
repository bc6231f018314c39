package dev.berth.plugin.pull.impl;

import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.Platform;

/**
 * Receives the progress and facts of one pull, for the engine to turn into events. Implementations must be
 * thread-safe: blob callbacks arrive concurrently from the fetch threads. Every method does nothing by
 * default; a callback must not throw.
 */
public interface PullListener {
    /** A listener that ignores everything. */
    PullListener NONE = new PullListener() {
    };

    /**
     * The image manifest to pull is known.
     *
     * @param platform the index entry's platform, or null when the reference names a single-platform manifest
     */
    default void manifestResolved(ImageReference reference, Digest digest, String mediaType, Platform platform) {
    }

    /**
     * The config is verified and stored: the image's layers are known and fetched next.
     *
     * @param platform the index entry's platform, else the one the config declares
     */
    default void configStored(ImageReference reference, Digest manifestDigest, String mediaType, Descriptor config,
            java.util.List<Descriptor> layers, Platform platform) {
    }

    /**
     * The bytes of {@code blob} are being written into {@code file} (not verified yet; truncated and written
     * again if the registry cannot resume).
     */
    default void blobWriting(Descriptor blob, java.nio.file.Path file) {
    }

    /** A blob fetch failed for another reason than its content (the registry, the network, the disk). */
    default void blobFailed(Descriptor blob, String reason) {
    }

    /** A blob fetch starts; {@code resumeFrom} bytes are already on disk from an earlier attempt. */
    default void blobStarted(Descriptor blob, long resumeFrom) {
    }

    /** {@code bytes} of {@code total} are on disk for {@code blob}. */
    default void blobProgress(Descriptor blob, long bytes, long total) {
    }

    /**
     * A blob is complete and verified in the content store.
     *
     * @param fromCache whether it was already there (nothing fetched)
     * @param bytes     the bytes that came over the network for it
     * @param millis    how long the fetch took
     */
    default void blobFetched(Descriptor blob, boolean fromCache, long bytes, long millis) {
    }

    /** A blob was refused (wrong size or digest) and its partial file deleted. */
    default void blobRejected(Descriptor blob, String reason) {
    }
}
