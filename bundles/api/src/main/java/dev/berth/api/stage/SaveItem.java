package dev.berth.api.stage;

import dev.berth.api.image.Digest;
import java.util.Objects;

/**
 * One stored image to save: its manifest digest and the name to record for it in the archive
 * ({@code registry/repository:tag}), or null to save it untagged. Immutable.
 */
public record SaveItem(String reference, Digest manifestDigest) {
    public SaveItem {
        Objects.requireNonNull(manifestDigest, "manifestDigest");
    }
}
