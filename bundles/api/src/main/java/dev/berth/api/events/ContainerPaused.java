package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** Every process of the container was frozen ({@code reason}: "pause" or "commit"). Subject: the container id. */
@EventType(name = "container.paused", version = 1)
public record ContainerPaused(String reason) {
}
