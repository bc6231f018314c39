package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * A blob is in the content store, verified against its digest and size: fetched from the network, or
 * already there ({@code source} "cache"). Subject: the blob digest.
 */
@EventType(name = "blob.fetched", version = 1)
public record BlobFetched(String digest, String mediaType, long size, String source, String registry,
        long millis) {
}
