package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A container's process runs, as host process {@code pid}. Subject: the container id. */
@EventType(name = "container.started", version = 1)
public record ContainerStarted(int pid, String runtime) {
}
