package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** Someone asked for an image to be pulled. Subject: the normalised reference. */
@EventType(name = "pull.requested", version = 1)
public record PullRequested(String reference, String platform) {
}
