package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * On open, the log found a torn final record (a crash mid-write, never acknowledged) and cut it off.
 * Subject: {@code log}.
 */
@EventType(name = "log.recovered", version = 1)
public record LogRecovered(String segment, long offset, long bytesDropped) {
}
