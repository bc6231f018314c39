package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** {@code berth plugin start} of a plugin the operator had stopped. Subject: its symbolic name. */
@EventType(name = "plugin.enabled", version = 1)
public record PluginEnabled(String version) {
}
