package dev.berth.api.stage;

import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import java.util.Objects;

/**
 * One layer to expand: its blob descriptor, the diff id the config promises for it, its chain id and the
 * parent's chain id (null for the first layer). Immutable.
 */
public record ExpandRequest(Descriptor layer, Digest diffId, Digest chainId, Digest parentChainId) {
    public ExpandRequest {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(diffId, "diffId");
        Objects.requireNonNull(chainId, "chainId");
    }
}
