package dev.berth.plugin.pull.impl;

import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.Platform;

import java.util.List;
import java.util.Objects;

/**
 * What a pull stored: the resolved image manifest and the blobs it names. Immutable.
 *
 * @param reference         the reference that was pulled
 * @param manifestDigest    the digest of the image manifest (not of the index it was picked from)
 * @param manifestMediaType the media type of the image manifest
 * @param config            the config blob
 * @param layers            the layer blobs, base layer first
 * @param platform          the platform the config declares
 * @param bytesFetched      bytes that came over the network for config and layers
 * @param blobsFromCache    how many of config and layers were already in the content store
 */
public record PullResult(ImageReference reference, Digest manifestDigest, String manifestMediaType, Descriptor config,
                         List<Descriptor> layers, Platform platform, long bytesFetched, int blobsFromCache) {
    public PullResult {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(manifestDigest, "manifestDigest");
        Objects.requireNonNull(manifestMediaType, "manifestMediaType");
        Objects.requireNonNull(config, "config");
        layers = List.copyOf(layers);
        Objects.requireNonNull(platform, "platform");
    }
}
