package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A container's whole filesystem was written as one tar at {@code target}. Subject: the container id. */
@EventType(name = "container.exported", version = 1)
public record ContainerExported(String target, long bytes, int entries) {
}
