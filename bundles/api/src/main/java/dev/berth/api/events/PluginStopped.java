package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A bundle left the ACTIVE state while the engine kept running. Subject: its symbolic name. */
@EventType(name = "plugin.stopped", version = 1)
public record PluginStopped(String version) {
}
