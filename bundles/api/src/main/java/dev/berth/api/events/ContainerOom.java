package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * The kernel's OOM killer killed a process in a running container (pid 1 or a child), as a watching
 * isolation module saw it: the {@code module} id, the container's OOM kill {@code count} so far, and a
 * {@code detail} line. Subject: the container id.
 */
@EventType(name = "container.oom", version = 1)
public record ContainerOom(String module, long count, String detail) {
}
