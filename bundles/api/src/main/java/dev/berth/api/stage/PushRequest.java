package dev.berth.api.stage;

import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What to push: the stored image {@code manifestDigest} to {@code target} (a tag or a digest), the
 * registries the user marked insecure, and {@code sources}: references the image or its base came from,
 * whose repositories may lend their blobs by a cross-repository mount when on the same registry.
 * Immutable.
 */
public record PushRequest(ImageReference target, Digest manifestDigest, Set<String> insecureRegistries,
        List<ImageReference> sources) {
    public PushRequest {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(manifestDigest, "manifestDigest");
        insecureRegistries = Set.copyOf(insecureRegistries);
        sources = List.copyOf(sources);
    }
}
