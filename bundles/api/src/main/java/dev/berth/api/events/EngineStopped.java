package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** The daemon shut down cleanly. Subject: {@code engine}. A crash leaves no such event. */
@EventType(name = "engine.stopped", version = 1)
public record EngineStopped(String reason, long uptimeMillis) {
}
