package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The expand stage's {@code berth.expand.writeback.ms}: a default, a number, or a clear refusal. */
class WritebackPropertyTest {

    @Test
    void unsetOrBlankIsTheDefaultAndNumbersAreTaken() throws Exception {
        assertEquals(LayerExpander.WRITEBACK_MILLIS, TarExpandStage.writebackMillis(null));
        assertEquals(LayerExpander.WRITEBACK_MILLIS, TarExpandStage.writebackMillis("  "));
        assertEquals(0, TarExpandStage.writebackMillis("0"));
        assertEquals(500, TarExpandStage.writebackMillis(" 500 "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fast", "-1", "1.5", "99999999999999999999"})
    void anythingElseStopsTheStageNamingTheProperty(String value) {
        BerthException e = assertThrows(BerthException.class, () -> TarExpandStage.writebackMillis(value));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains(TarExpandStage.WRITEBACK_PROPERTY) && e.getMessage().contains(value),
                e.getMessage());
    }
}
