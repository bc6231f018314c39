package dev.berth.api.stage;

import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.Platform;
import java.util.List;
import java.util.Objects;

/**
 * One image read from an archive, now in the content store: the names the archive gave it (normalised
 * references, possibly none), its manifest, config, layers and the config's diff ids. Immutable.
 */
public record LoadedImage(List<String> tags, Digest manifestDigest, String mediaType, Platform platform,
        Descriptor config, List<Descriptor> layers, List<Digest> diffIds) {
    public LoadedImage {
        tags = List.copyOf(tags);
        Objects.requireNonNull(manifestDigest, "manifestDigest");
        Objects.requireNonNull(config, "config");
        layers = List.copyOf(layers);
        diffIds = List.copyOf(diffIds);
        if (layers.size() != diffIds.size()) {
            throw new IllegalArgumentException("image " + manifestDigest + ": " + layers.size() + " layers but "
                    + diffIds.size() + " diff ids in the config");
        }
    }
}
