package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A pull ended without an image; {@code reason} says why. Subject: the normalised reference. */
@EventType(name = "pull.failed", version = 1)
public record PullFailed(String reference, String reason) {
}
