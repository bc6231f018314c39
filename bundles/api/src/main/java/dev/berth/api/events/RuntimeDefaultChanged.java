package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * The runtime new containers get by default changed ({@code berth runtime default NAME}); running
 * containers keep theirs. {@code previous} is null at the first change. Subject: the new runtime's name.
 */
@EventType(name = "runtime.default.changed", version = 1)
public record RuntimeDefaultChanged(String runtime, String previous) {
}
