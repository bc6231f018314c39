package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * A container was removed with its read-write layer and runtime state; {@code reason} says by what
 * ("berth rm", "--rm after exit", "create failed"). Subject: the container id.
 */
@EventType(name = "container.removed", version = 1)
public record ContainerRemoved(String name, String reason) {
}
