package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * The registry answered a reference with a manifest for the wanted platform; {@code indexDigest} is the
 * index it was chosen from, or null. Subject: the normalised reference.
 */
@EventType(name = "manifest.resolved", version = 1)
public record ManifestResolved(String reference, String digest, String mediaType, String platform,
        String indexDigest) {
}
