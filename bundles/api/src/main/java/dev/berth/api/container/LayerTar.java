package dev.berth.api.container;

import java.util.Objects;

/**
 * A tar the mount stage wrote: where, how many bytes and entries, and the sha256 digest of its bytes
 * (the layer's diff id when it is a layer). Immutable.
 */
public record LayerTar(String path, long size, String diffId, int entries) {
    public LayerTar {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(diffId, "diffId");
        if (size < 0 || entries < 0) {
            throw new IllegalArgumentException("a tar cannot have a negative size or entry count");
        }
    }
}
