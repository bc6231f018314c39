package dev.berth.api.image;

import java.util.Objects;

/**
 * An OCI content descriptor: what a blob is, its digest and its exact size. Immutable.
 */
public record Descriptor(String mediaType, Digest digest, long size) {
    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
        if (size < 0) {
            throw new IllegalArgumentException("descriptor " + digest + ": size must not be negative, got " + size);
        }
    }
}
