package dev.berth.api.stage;

import dev.berth.api.image.ImageReference;
import dev.berth.api.image.Platform;
import java.util.Objects;
import java.util.Set;

/**
 * What to pull: a reference, the platform to pick from an index, and the registries the user marked
 * insecure (plain HTTP allowed). Immutable.
 */
public record PullRequest(ImageReference reference, Platform platform, Set<String> insecureRegistries) {
    public PullRequest {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(platform, "platform");
        insecureRegistries = Set.copyOf(insecureRegistries);
    }
}
