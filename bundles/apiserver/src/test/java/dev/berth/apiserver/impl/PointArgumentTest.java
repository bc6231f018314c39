package dev.berth.apiserver.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A point in the log for --at, --since, --until and --before: a sequence number or a time, never both. */
class PointArgumentTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "1234, atSequence, 1234",
            "#1234, atSequence, 1234",
            "0, atSequence, 0",
            "10m, atTime, 2026-11-29T11:50:00Z",
            "2026-11-29T10:00:00Z, atTime, 2026-11-29T10:00:00Z",
            "2026-11-29T10:00:00+01:00, atTime, 2026-11-29T09:00:00Z",
            "@1764410400, atTime, 2025-11-29T10:00:00Z"})
    void aNumberIsASequenceAndEverythingElseATime(String value, String key, String expected) {
        JsonObject body = ApiServer.point("at", value, new JsonObject(), NOW);
        assertEquals(1, body.size(), body.encode());
        assertEquals(expected, String.valueOf(body.getValue(key)), body.encode());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"#", "yesterday", "12:00", "99999999999999999999999", "@", "1234abc", "-5"})
    void anythingElseIsRefusedNamingTheParameterAndValue(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ApiServer.point("at", value, new JsonObject(), NOW));
        assertTrue(e.getMessage().startsWith("at"), e.getMessage());
    }
}
