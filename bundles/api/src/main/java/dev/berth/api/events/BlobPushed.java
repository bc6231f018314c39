package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * A blob is in a registry repository: {@code how} is "uploaded", "exists" (the registry had it) or
 * "mounted" (lent by another repository of the registry, named in {@code from}). Subject: the blob digest.
 */
@EventType(name = "blob.pushed", version = 1)
public record BlobPushed(String digest, String mediaType, long size, String repository, String how, String from,
        long millis) {
}
