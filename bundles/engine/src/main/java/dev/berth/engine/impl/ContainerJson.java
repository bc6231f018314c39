package dev.berth.engine.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vertx.core.json.JsonObject;

/**
 * Converts the container SPI's records to and from the JSON text that crosses the bus. Records map
 * field by field (Jackson reads records through their canonical constructors). Thread-safe.
 */
final class ContainerJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ContainerJson() {
    }

    /** The record as a Vert.x JSON object. */
    static JsonObject toJson(Object value) {
        try {
            return new JsonObject(MAPPER.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("encode " + value.getClass().getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /** Reads {@code json} as {@code type}; a wrong shape is an IllegalArgumentException naming the field. */
    static <T> T fromJson(JsonObject json, Class<T> type) {
        if (json == null) {
            return null;
        }
        try {
            return MAPPER.readValue(json.encode(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }
}
