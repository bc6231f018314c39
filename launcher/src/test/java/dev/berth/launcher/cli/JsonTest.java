package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CLI's mapper-free JSON agrees with Jackson's ObjectMapper, and refuses what it refuses. */
class JsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
        "{}", "[]", "null", "true", "\"text\"", "0", "-7", "2147483648", "123456789012345678901234567890", "1.5e3",
        "{\"a\":[1,{\"b\":null},\"x\\\"y\\\\z\\u0001\"],\"c\":{\"d\":false}}",
        "{\"ünïcode\":\"日本\",\"emoji\":\"\\ud83d\\ude00\"}", "[[[[[]]]]]"})
    void readsAndWritesLikeJackson(String text) throws Exception {
        JsonNode ours = Json.parse(text);
        assertEquals(MAPPER.readTree(text), ours);
        assertEquals(MAPPER.writeValueAsString(MAPPER.readTree(text)), Json.text(ours));
        assertEquals(MAPPER.readTree(text), Json.parse(Json.bytes(ours)));
        assertEquals(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(MAPPER.readTree(text)),
                Json.pretty(ours));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"a\":}", "[1,]", "{} {}", "nul", "\"open", "{\"a\" 1}", "[1 2]"})
    void malformedTextIsAJsonError(String text) {
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> Json.parse(text));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void emptyTextIsMissing(String text) throws Exception {
        assertTrue(Json.parse(text).isMissingNode());
    }
}
