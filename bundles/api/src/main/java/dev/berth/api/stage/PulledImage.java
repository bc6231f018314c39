package dev.berth.api.stage;

import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.Platform;
import java.util.List;
import java.util.Objects;

/**
 * An image whose manifest, config and layers are in the content store, verified. {@code diffIds} come
 * from the config, one per layer; {@code indexDigest} is the index the manifest was picked from, or null.
 * Immutable.
 */
public record PulledImage(ImageReference reference, Digest manifestDigest, String mediaType, Digest indexDigest,
        Platform platform, Descriptor config, List<Descriptor> layers, List<Digest> diffIds, long bytesFetched) {
    public PulledImage {
        Objects.requireNonNull(manifestDigest, "manifestDigest");
        Objects.requireNonNull(config, "config");
        layers = List.copyOf(layers);
        diffIds = List.copyOf(diffIds);
        if (layers.size() != diffIds.size()) {
            throw new IllegalArgumentException("image " + reference + ": " + layers.size() + " layers but "
                    + diffIds.size() + " diff ids in the config");
        }
    }
}
