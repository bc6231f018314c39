package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * {@code berth plugin stop}: the operator stopped the plugin, and it stays stopped, across daemon
 * restarts too, until {@code berth plugin start}. Subject: its symbolic name.
 */
@EventType(name = "plugin.disabled", version = 1)
public record PluginDisabled(String version) {
}
