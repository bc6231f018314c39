package dev.berth.api.events;

import dev.berth.api.event.EventType;
import java.util.List;

/**
 * A filesystem tar became a one-layer image, complete in the store (layer checked, stored and expanded).
 * Subject: the manifest digest.
 */
@EventType(name = "image.imported", version = 1)
public record ImageImported(String source, String manifestDigest, String mediaType, String configDigest,
        String platform, List<String> layers, List<String> chainIds, long size, String comment,
        List<String> changes) {
    public ImageImported {
        layers = List.copyOf(layers);
        chainIds = List.copyOf(chainIds);
        changes = List.copyOf(changes);
    }
}
