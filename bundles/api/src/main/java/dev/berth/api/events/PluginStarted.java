package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A bundle became ACTIVE. Subject: its symbolic name (the plugin id). */
@EventType(name = "plugin.started", version = 1)
public record PluginStarted(String version) {
}
