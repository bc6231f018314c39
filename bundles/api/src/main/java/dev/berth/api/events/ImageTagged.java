package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A name now points at an image. Subject: the normalised reference. */
@EventType(name = "image.tagged", version = 1)
public record ImageTagged(String reference, String manifestDigest) {
}
