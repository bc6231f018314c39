package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * A push ended with the manifest in the registry: every blob there, then the manifest under the tag.
 * Subject: the normalised reference pushed to.
 */
@EventType(name = "image.pushed", version = 1)
public record ImagePushed(String reference, String manifestDigest, int uploaded, int existing, int mounted,
        long bytesSent) {
}
