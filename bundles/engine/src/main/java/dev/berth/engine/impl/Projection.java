package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.event.EventRecord;

/**
 * A piece of engine state that is nothing but a fold over the event log. Implementations are called by
 * {@link Projections} under its lock, one record at a time in sequence order, and must be deterministic:
 * replaying the same records from the same snapshot gives the same state.
 */
public interface Projection {
    /** The stable name under which a checkpoint stores this projection's snapshot. */
    String name();

    /** Folds one record into the state; records of types this projection does not know are ignored. */
    void apply(EventRecord record);

    /** The whole state as JSON, for a checkpoint. */
    JsonNode snapshot();

    /** Replaces the state with a snapshot previously produced by {@link #snapshot()}. */
    void restore(JsonNode snapshot);

    /** Forgets everything, before a replay from the first record. */
    void clear();
}
