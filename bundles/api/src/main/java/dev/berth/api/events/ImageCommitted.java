package dev.berth.api.events;

import dev.berth.api.event.EventType;
import java.util.List;

/**
 * A container's changes became a new image, complete in the store (layer written and expanded): made
 * from {@code containerId} on top of {@code baseManifest}, with the user's {@code comment},
 * {@code author} and config {@code changes}. Subject: the new manifest digest.
 */
@EventType(name = "image.committed", version = 1)
public record ImageCommitted(String containerId, String baseManifest, String manifestDigest, String mediaType,
        String configDigest, String platform, List<String> layers, List<String> chainIds, long size,
        String comment, String author, List<String> changes) {
    public ImageCommitted {
        layers = List.copyOf(layers);
        chainIds = List.copyOf(chainIds);
        changes = List.copyOf(changes);
    }
}
