package dev.berth.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.berth.api.event.EventType;
import dev.berth.api.events.EngineEvents;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every declared event type has a schema that matches its record, and no schema is orphaned. */
class EventSchemasTest {
    private static final Path SOURCE = Path.of("src/main/resources", EventSchemas.FOLDER);

    @TestFactory
    Stream<DynamicTest> everyEventTypeHasAMatchingSchema() {
        return EngineEvents.ALL.stream().map(type -> DynamicTest.dynamicTest(type.getSimpleName(), () -> {
            EventType declared = EngineEvents.typeOf(type);
            String file = EventSchemas.fileName(declared.name(), declared.version());
            JsonNode schema = EventSchemas.document(file)
                    .orElseThrow(() -> new AssertionError("no schema " + file + " for " + type.getName()));
            Set<String> components = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName)
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> properties = new TreeSet<>();
            schema.path("properties").fieldNames().forEachRemaining(properties::add);
            assertEquals(components, properties, file + ": properties must be the record's components");
            Set<String> required = new TreeSet<>();
            schema.path("required").forEach(n -> required.add(n.asText()));
            assertEquals(components, required, file + ": every component is required");
            assertFalse(schema.path("additionalProperties").asBoolean(true), file + ": additionalProperties false");
            for (RecordComponent component : type.getRecordComponents()) {
                JsonNode property = schema.path("properties").path(component.getName());
                String expected = jsonType(component.getType());
                if (property.has("enum")) {
                    assertEquals("string", expected, file + ": enum only for string " + component.getName());
                } else if (property.path("type").isArray()) {
                    // A nullable component: ["<type>", "null"].
                    Set<String> types = new TreeSet<>();
                    property.path("type").forEach(t -> types.add(t.asText()));
                    assertEquals(new TreeSet<>(List.of(expected, "null")), types,
                            file + ": nullable type of " + component.getName());
                } else {
                    assertEquals(expected, property.path("type").asText(), file + ": type of " + component.getName());
                }
            }
        }));
    }

    @Test
    void noSchemaWithoutAnEventType() throws IOException {
        Set<String> declared = new HashSet<>();
        for (Class<? extends Record> type : EngineEvents.ALL) {
            EventType t = EngineEvents.typeOf(type);
            // Older versions stay: records written with them are still in logs and read through upcasters.
            for (int version = 1; version <= t.version(); version++) {
                declared.add(EventSchemas.fileName(t.name(), version));
            }
        }
        declared.add("envelope.v1.json");
        try (Stream<Path> files = Files.list(SOURCE)) {
            List<String> orphans = files.map(p -> p.getFileName().toString()).filter(n -> !declared.contains(n))
                    .sorted().toList();
            assertEquals(List.of(), orphans, "schemas without an @EventType record");
        }
    }

    @Test
    void everySchemaIsAValidDraft07Schema() throws IOException {
        var meta = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
                .getSchema(java.net.URI.create("http://json-schema.org/draft-07/schema"));
        ObjectMapper mapper = new ObjectMapper();
        try (Stream<Path> files = Files.list(SOURCE)) {
            for (Path file : files.toList()) {
                var problems = meta.validate(mapper.readTree(file.toFile()));
                assertTrue(problems.isEmpty(), file + ": " + problems);
            }
        }
    }

    @Test
    void validatorRejectsWrongPayloadsAndUnknownTypes() {
        EventSchemas schemas = new EventSchemas();
        ObjectMapper mapper = new ObjectMapper();
        assertEquals(List.of(), schemas.validatePayload("note.added", 1, mapper.createObjectNode().put("message", "hi")));
        assertFalse(schemas.validatePayload("note.added", 1, mapper.createObjectNode().put("message", 3)).isEmpty());
        assertFalse(schemas.validatePayload("note.added", 1, mapper.createObjectNode()).isEmpty());
        assertFalse(schemas.validatePayload("note.added", 1,
                mapper.createObjectNode().put("message", "x").put("extra", 1)).isEmpty());
        assertFalse(schemas.validatePayload("made.up", 1, mapper.createObjectNode()).isEmpty());
        String envelope = "{\"sequence\":1,\"time\":\"2026-11-29T00:00:00Z\",\"timeNanos\":1,\"type\":\"note.added\","
                + "\"version\":1,\"subject\":\"note\",\"payload\":{\"message\":\"hi\"},\"previousHash\":\""
                + "0".repeat(64) + "\",\"hash\":\"" + "a".repeat(64) + "\"}";
        assertEquals(List.of(), schemas.validateEnvelope(envelope));
        assertFalse(schemas.validateEnvelope(envelope.replace("\"sequence\":1", "\"sequence\":0")).isEmpty());
        assertFalse(schemas.validateEnvelope(envelope.replace("a".repeat(64), "xyz")).isEmpty());
    }

    private static String jsonType(Class<?> type) {
        if (type == String.class) {
            return "string";
        }
        if (type == long.class || type == int.class || type == Long.class || type == Integer.class) {
            return "integer";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "boolean";
        }
        if (List.class.isAssignableFrom(type)) {
            return "array";
        }
        return "object";
    }
}
