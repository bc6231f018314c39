package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A bundle appeared in the framework. Subject: its symbolic name (the plugin id). */
@EventType(name = "plugin.installed", version = 1)
public record PluginInstalled(String version, String kind, String location) {
}
