package dev.berth.api.events;

import dev.berth.api.event.EventType;
import java.util.List;

/**
 * An image is complete in the store: manifest, config and every layer verified and expanded. Subject:
 * the manifest digest.
 */
@EventType(name = "image.pulled", version = 1)
public record ImagePulled(String reference, String manifestDigest, String mediaType, String configDigest,
        String platform, List<String> layers, List<String> chainIds, long size) {
    public ImagePulled {
        layers = List.copyOf(layers);
        chainIds = List.copyOf(chainIds);
    }
}
