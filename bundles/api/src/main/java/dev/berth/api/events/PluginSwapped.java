package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * A plugin became the active implementation of a stage ({@code berth plugin use}); {@code from} is the
 * plugin that served the stage before, or null when none did. Subject: the new plugin's symbolic name.
 */
@EventType(name = "plugin.swapped", version = 1)
public record PluginSwapped(String stage, String version, String from) {
}
