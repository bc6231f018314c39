package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * An operator wrote a note into the audit trail ({@code berth note}). Subject: what the note is about,
 * {@code note} by default.
 */
@EventType(name = "note.added", version = 1)
public record NoteAdded(String message) {
}
