package dev.berth.plugin.pull.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The read timeout a daemon property sets for pulls and pushes. */
class RegistryClientOptionsTest {
    private static RegistryClient.Options with(String value) throws BerthException {
        return RegistryClient.Options.fromProperties(
                name -> name.equals(RegistryClient.Options.READ_TIMEOUT_PROPERTY) ? value : null);
    }

    @Test
    void unsetOrBlankMeansTheDefaults() throws BerthException {
        assertEquals(RegistryClient.Options.defaults(), RegistryClient.Options.fromProperties(Map.<String, String>of()::get));
        assertEquals(RegistryClient.Options.defaults(), with(" "));
    }

    @Test
    void setsOnlyTheReadTimeout() throws BerthException {
        RegistryClient.Options options = with("1500");
        RegistryClient.Options d = RegistryClient.Options.defaults();
        assertEquals(Duration.ofMillis(1500), options.readTimeout());
        assertEquals(new RegistryClient.Options(d.connectTimeout(), Duration.ofMillis(1500), d.attempts(),
                d.initialBackoff(), d.maxBackoff(), d.maxRetryAfter()), options);
    }

    @Test
    void refusesWhatIsNotAPositiveNumberOfMilliseconds() {
        for (String bad : new String[] {"0", "-5", "1s", "soon"}) {
            BerthException e = assertThrows(BerthException.class, () -> with(bad));
            assertEquals(ErrorKind.INVALID, e.kind());
            assertTrue(e.getMessage().contains(RegistryClient.Options.READ_TIMEOUT_PROPERTY) && e.getMessage().contains(bad),
                    e.getMessage());
        }
    }
}
