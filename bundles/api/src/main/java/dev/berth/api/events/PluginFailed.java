package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * A plugin could not do its job: its bundle does not resolve (the missing requirement in words), a
 * component failed to activate, or a stage call threw or did not answer in time. {@code stage} names
 * the stage the failure happened in, or is null for start-up failures. Subject: its symbolic name.
 */
@EventType(name = "plugin.failed", version = 1)
public record PluginFailed(String version, String stage, String reason) {
}
