package dev.berth.apiserver.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimeArgumentTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @ParameterizedTest
    @CsvSource({
        "10m, 2026-11-29T11:50:00Z",
        "2h30m, 2026-11-29T09:30:00Z",
        "1.5h, 2026-11-29T10:30:00Z",
        "30s, 2026-11-29T11:59:30Z",
        "1d, 2026-11-28T12:00:00Z",
        "500ms, 2026-11-29T11:59:59.500Z",
        "2026-11-29T10:00:00Z, 2026-11-29T10:00:00Z",
        "2026-11-29T11:00:00+01:00, 2026-11-29T10:00:00Z",
        "2026-11-29T10:00:00.123456789Z, 2026-11-29T10:00:00.123456789Z",
        "1764410400, 2025-11-29T10:00:00Z",
        "1764410400.25, 2025-11-29T10:00:00.250Z",
    })
    void acceptedForms(String value, String expected) {
        assertEquals(Instant.parse(expected), TimeArgument.parse("since", value, NOW));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "yesterday", "10x", "-5m", "2026-13-01T00:00:00Z", "2026-11-29 10:00", "m10"})
    void rejectedFormsNameTheParameterAndValue(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TimeArgument.parse("until", value, NOW));
        assertTrue(e.getMessage().startsWith("until: \"" + value + "\""), e.getMessage());
    }
}
