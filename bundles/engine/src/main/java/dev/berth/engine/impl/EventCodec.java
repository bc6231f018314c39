package dev.berth.engine.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventDrafts;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.EventType;
import dev.berth.api.events.EngineEvents;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Turns event payload records into drafts for the log and stored payloads back into records, by the
 * name and version declared in {@link EventType}. Thread-safe.
 */
public final class EventCodec {
    private final ObjectMapper mapper = new ObjectMapper()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    /** One reader per payload type: resolving the type on every call cost a tenth of a replay. */
    private final Map<Class<?>, ObjectReader> readers = new ConcurrentHashMap<>();

    /** The draft that stores {@code payload} about {@code subject}. */
    public EventDraft draft(String subject, Record payload) {
        return EventDrafts.of(subject, payload);
    }

    /** Reads the payload of {@code record} as {@code payloadType}, which must declare the record's type. */
    public <T extends Record> T payload(EventRecord record, Class<T> payloadType) {
        EventType type = EngineEvents.typeOf(payloadType);
        if (!type.name().equals(record.type()) || type.version() < record.version()) {
            throw new IllegalArgumentException("event #" + record.sequence() + " is " + record.type() + " v"
                    + record.version() + ", not " + type.name() + " v" + type.version());
        }
        try {
            if (record.version() < type.version()) {
                JsonNode payload = mapper.readTree(record.payload());
                for (int version = record.version(); version < type.version(); version++) {
                    UnaryOperator<ObjectNode> next = Upcasters.from(type.name(), version);
                    if (next == null || !(payload instanceof ObjectNode object)) {
                        throw new IllegalArgumentException("event #" + record.sequence() + " is " + type.name()
                                + " v" + version + ", and nothing reads it as v" + (version + 1));
                    }
                    payload = next.apply(object);
                }
                return mapper.treeToValue(payload, payloadType);
            }
            return readers.computeIfAbsent(payloadType, mapper::readerFor).readValue(record.payload());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("decode event #" + record.sequence() + " (" + record.type() + "): "
                    + e.getOriginalMessage(), e);
        }
    }

    /** The mapper, for projections that snapshot themselves as JSON. */
    public ObjectMapper mapper() {
        return mapper;
    }
}
