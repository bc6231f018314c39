package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A name no longer points at an image. Subject: the normalised reference. */
@EventType(name = "image.untagged", version = 1)
public record ImageUntagged(String reference, String manifestDigest) {
}
