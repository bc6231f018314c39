package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A bundle was replaced by another build. Subject: its symbolic name (the plugin id). */
@EventType(name = "plugin.updated", version = 1)
public record PluginUpdated(String fromVersion, String toVersion, String location) {
}
