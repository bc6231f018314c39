package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A bundle left the framework. Subject: its symbolic name (the plugin id). */
@EventType(name = "plugin.uninstalled", version = 1)
public record PluginUninstalled(String version) {
}
