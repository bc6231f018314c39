package dev.berth.api.stage;

import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import java.util.Objects;

/**
 * A finished push: where to, the manifest digest the registry now serves, how many blobs were uploaded,
 * found there already or mounted from another repository, and the bytes sent. Immutable.
 */
public record PushedImage(ImageReference target, Digest manifestDigest, int uploaded, int existing, int mounted,
        long bytesSent) {
    public PushedImage {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(manifestDigest, "manifestDigest");
    }
}
