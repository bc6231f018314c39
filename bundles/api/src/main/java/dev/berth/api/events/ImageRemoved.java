package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** An image left the store's index (its blobs stay until a prune). Subject: the manifest digest. */
@EventType(name = "image.removed", version = 1)
public record ImageRemoved(String manifestDigest) {
}
