package dev.berth.api.stage;

import dev.berth.api.image.Digest;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A layer's snapshot: where it is, what it held, and whether it was already there. Immutable.
 */
public record ExpandedLayer(Digest chainId, Digest diffId, Path snapshot, long entries, long bytes, long millis,
        boolean existed) {
    public ExpandedLayer {
        Objects.requireNonNull(chainId, "chainId");
        Objects.requireNonNull(diffId, "diffId");
        Objects.requireNonNull(snapshot, "snapshot");
    }
}
