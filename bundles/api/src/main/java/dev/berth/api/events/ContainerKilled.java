package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * The engine sent a signal to a container's process ({@code berth kill}, {@code stop}, {@code rm -f});
 * {@code reason} names the command. Subject: the container id.
 */
@EventType(name = "container.killed", version = 1)
public record ContainerKilled(int signal, String reason) {
}
