package dev.berth.plugin.pull.impl;

import dev.berth.api.image.Descriptor;
import dev.berth.api.image.ImageReference;

/**
 * Receives the progress and facts of one push, for the stage to turn into events and progress lines.
 * Implementations must be thread-safe: blob callbacks arrive concurrently from the upload threads. Every
 * method does nothing by default; a callback must not throw.
 */
public interface PushListener {
    /** A listener that ignores everything. */
    PushListener NONE = new PushListener() {
    };

    /** Work on a blob starts: the registry is asked whether it has it. */
    default void blobStarted(Descriptor blob) {
    }

    /** {@code bytes} of {@code total} of {@code blob} were read from the store and sent. */
    default void blobProgress(Descriptor blob, long bytes, long total) {
    }

    /**
     * {@code blob} is in the repository of {@code target}.
     *
     * @param result how it got there, and from where if mounted
     * @param millis how long it took
     */
    default void blobPushed(ImageReference target, Descriptor blob, UploadClient.BlobResult result, long millis) {
    }
}
