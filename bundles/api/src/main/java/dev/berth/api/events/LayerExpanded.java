package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * A layer was unpacked into its snapshot, keyed by chain id. Subject: the chain id.
 */
@EventType(name = "layer.expanded", version = 1)
public record LayerExpanded(String chainId, String diffId, String layerDigest, long entries, long bytes,
        long millis) {
}
