package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Signal names and numbers as kill -s takes them, and the ones refused. */
class SignalsTest {
    @ParameterizedTest
    @CsvSource({"TERM,15", "SIGTERM,15", "sigkill,9", "9,9", "HUP,1", "WINCH,28", "USR1,10", "RTMIN,34",
            "RTMIN+2,36", "RTMAX-1,63", "64,64"})
    void parses(String text, int number) throws BerthException {
        assertEquals(number, Signals.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "65", "-1", "SIGNOPE", "TERM;rm", "RTMIN+40", "999999999999"})
    void refuses(String text) {
        BerthException e = assertThrows(BerthException.class, () -> Signals.parse(text));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("invalid signal"), e.getMessage());
    }
}
