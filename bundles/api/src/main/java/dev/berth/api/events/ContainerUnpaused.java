package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A paused container's processes run again ({@code reason}: "unpause" or "commit"). Subject: the container id. */
@EventType(name = "container.unpaused", version = 1)
public record ContainerUnpaused(String reason) {
}
