package dev.berth.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test helper shared with other modules (test-jar): loads Berth's event schemas from the classpath and
 * validates envelopes and payloads against them. Thread-safe.
 */
public final class EventSchemas {
    /** Classpath folder of the event schemas. */
    public static final String FOLDER = "berth/schemas/events/";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
    private final Map<String, Optional<JsonSchema>> cache = new ConcurrentHashMap<>();

    /** The schema file name for one event type and version. */
    public static String fileName(String type, int version) {
        return type + ".v" + version + ".json";
    }

    /** The raw schema document, or empty when there is none. */
    public static Optional<JsonNode> document(String fileName) {
        try (InputStream in = EventSchemas.class.getClassLoader().getResourceAsStream(FOLDER + fileName)) {
            return in == null ? Optional.empty() : Optional.of(MAPPER.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("read schema " + fileName, e);
        }
    }

    private Optional<JsonSchema> schema(String fileName) {
        return cache.computeIfAbsent(fileName, name -> document(name).map(FACTORY::getSchema));
    }

    /**
     * Validates one envelope line: the envelope schema, then the payload against its type's schema.
     * Returns the problems in words, empty when valid; a missing payload schema is a problem too.
     */
    public List<String> validateEnvelope(String envelopeJson) {
        JsonNode envelope;
        try {
            envelope = MAPPER.readTree(envelopeJson);
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        schema("envelope.v1.json").ifPresentOrElse(
                s -> s.validate(envelope).forEach(m -> problems.add("envelope: " + m.getMessage())),
                () -> problems.add("envelope schema missing"));
        String type = envelope.path("type").asText();
        int version = envelope.path("version").asInt();
        problems.addAll(validatePayload(type, version, envelope.path("payload")));
        return problems;
    }

    /** Validates a payload against {@code <type>.v<version>.json}; a missing schema is reported. */
    public List<String> validatePayload(String type, int version, JsonNode payload) {
        Optional<JsonSchema> schema = schema(fileName(type, version));
        if (schema.isEmpty()) {
            return List.of("no schema for event type " + type + " v" + version + " (expected " + FOLDER
                    + fileName(type, version) + ")");
        }
        Set<ValidationMessage> messages = schema.get().validate(payload);
        return messages.stream().map(m -> type + " v" + version + ": " + m.getMessage()).toList();
    }
}
