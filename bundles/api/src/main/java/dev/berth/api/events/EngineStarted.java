package dev.berth.api.events;

import dev.berth.api.event.EventType;
import java.util.List;

/**
 * The daemon booted: which build, where its state lives, and the built-in bundles it started.
 * Subject: {@code engine}.
 */
@EventType(name = "engine.started", version = 1)
public record EngineStarted(String berthVersion, long pid, String root, String runDir, String javaVersion,
        String kernel, List<String> builtins) {
    public EngineStarted {
        builtins = List.copyOf(builtins);
    }
}
