package dev.berth.api.events;

import dev.berth.api.event.EventType;
import java.util.List;

/**
 * An image read from an archive is complete in the store: blobs verified, layers expanded. Subject: the
 * manifest digest.
 */
@EventType(name = "image.loaded", version = 1)
public record ImageLoaded(String archive, String manifestDigest, String mediaType, String configDigest,
        String platform, List<String> layers, List<String> chainIds, long size) {
    public ImageLoaded {
        layers = List.copyOf(layers);
        chainIds = List.copyOf(chainIds);
    }
}
