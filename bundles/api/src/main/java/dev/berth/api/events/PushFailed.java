package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A push ended without the manifest in the registry; {@code reason} says why. Subject: the reference. */
@EventType(name = "push.failed", version = 1)
public record PushFailed(String reference, String manifestDigest, String reason) {
}
