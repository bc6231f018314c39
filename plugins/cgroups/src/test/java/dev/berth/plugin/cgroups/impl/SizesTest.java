package dev.berth.plugin.cgroups.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {
    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "100, 100",
        "0, 0",
        "1b, 1",
        "1B, 1",
        "1k, 1024",
        "1K, 1024",
        "1kb, 1024",
        "64m, 67108864",
        "64M, 67108864",
        "64mb, 67108864",
        "64MB, 67108864",
        "64MiB, 67108864",
        "1g, 1073741824",
        "1.5g, 1610612736",
        "2t, 2199023255552",
        "' 6m ', 6291456",
    })
    void parsesDockerSizes(String text, long bytes) throws BerthException {
        assertEquals(bytes, Sizes.parse("memory", text));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"", "m", "12x", "-1", "-64m", "64 m", "64mm", "1e9", "0x10", "64bb", "1.5.1g", "64p",
        "99999999999g", "1,5g", "64m\n5", "६४m"})
    void refusesWhatIsNotASize(String text) {
        BerthException e = assertThrows(BerthException.class, () -> Sizes.parse("memory", text));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().startsWith("--memory " + text + ":"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "100, 100 B",
        "1024, 1 KiB",
        "67108864, 64 MiB",
        "1610612736, 1.5 GiB",
        "6291456, 6 MiB",
    })
    void writesSizesForPeople(long bytes, String text) {
        assertEquals(text, Sizes.human(bytes));
    }
}
