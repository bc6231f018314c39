package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A blob failed verification and nothing of it was kept. Subject: the blob digest. */
@EventType(name = "blob.rejected", version = 1)
public record BlobRejected(String digest, String registry, String reason) {
}
