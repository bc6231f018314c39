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
    /**
     * Per payload type, its declared name and version and its reader, worked out once: resolving the reader on
     * every call cost a tenth of a replay, and reading the {@link EventType} annotation (a reflective proxy) on
     * every call showed up in replay profiles too.
     */
    private final Map<Class<?>, Declared> declared = new ConcurrentHashMap<>();

    /** A payload type's {@link EventType}, read once, and the reader of its JSON. */
    private record Declared(String name, int version, ObjectReader reader) {
    }

    /** The draft that stores {@code payload} about {@code subject}. */
    public EventDraft draft(String subject, Record payload) {
        return EventDrafts.of(subject, payload);
    }

    /** Reads the payload of {@code record} as {@code payloadType}, which must declare the record's type. */
    public <T extends Record> T payload(EventRecord record, Class<T> payloadType) {
        Declared type = check(record, payloadType);
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
            return type.reader().readValue(record.payload());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("decode event #" + record.sequence() + " (" + record.type() + "): "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Checks that {@code record} is of {@code payloadType}'s event type, at its version or an older one, without
     * reading the payload: for a projection that needs only the fact that the event happened (a removal, an
     * unmount), so that a replay does not decode what it throws away.
     *
     * @throws IllegalArgumentException naming the record when it is another type, or newer than this engine reads
     */
    public void requireType(EventRecord record, Class<? extends Record> payloadType) {
        check(record, payloadType);
    }

    private Declared check(EventRecord record, Class<? extends Record> payloadType) {
        Declared type = declared.computeIfAbsent(payloadType, t -> {
            EventType annotation = EngineEvents.typeOf(t);
            return new Declared(annotation.name(), annotation.version(), mapper.readerFor(t));
        });
        if (!type.name().equals(record.type()) || type.version() < record.version()) {
            throw new IllegalArgumentException("event #" + record.sequence() + " is " + record.type() + " v"
                    + record.version() + ", not " + type.name() + " v" + type.version());
        }
        return type;
    }

    /** The mapper, for projections that snapshot themselves as JSON. */
    public ObjectMapper mapper() {
        return mapper;
    }
}
