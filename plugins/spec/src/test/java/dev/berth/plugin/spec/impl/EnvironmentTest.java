package dev.berth.plugin.spec.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EnvironmentTest {
    private static final String PATH = "PATH=" + Environment.DEFAULT_PATH;

    private static List<String> list(String spec) {
        return spec.isEmpty() ? List.of() : Arrays.asList(spec.split("\\|", -1));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, image Env, options env, tty, expected env or "!message part"
                Arguments.of("DefaultsOnly", "", "", false, PATH + "|HOSTNAME=h"),
                Arguments.of("TerminalAddsTerm", "", "", true, PATH + "|HOSTNAME=h|TERM=xterm"),
                Arguments.of("ImagePathKept", "PATH=/opt/bin|A=1", "", false, "HOSTNAME=h|PATH=/opt/bin|A=1"),
                Arguments.of("OptionOverridesInPlace", "A=1|B=2", "A=9", false, PATH + "|HOSTNAME=h|A=9|B=2"),
                Arguments.of("OptionAppends", "A=1", "C=3", false, PATH + "|HOSTNAME=h|A=1|C=3"),
                Arguments.of("OptionOverridesPath", "PATH=/opt/bin", "PATH=/x", false, "HOSTNAME=h|PATH=/x"),
                Arguments.of("OptionOverridesHostname", "", "HOSTNAME=mine", false, PATH + "|HOSTNAME=mine"),
                Arguments.of("OptionOverridesTerm", "", "TERM=vt100", true, PATH + "|HOSTNAME=h|TERM=vt100"),
                Arguments.of("ValueWithEquals", "", "A=b=c", false, PATH + "|HOSTNAME=h|A=b=c"),
                Arguments.of("EmptyValue", "", "A=", false, PATH + "|HOSTNAME=h|A="),
                Arguments.of("LaterImageEntryWins", "A=1|A=2", "", false, PATH + "|HOSTNAME=h|A=2"),
                Arguments.of("OptionWithoutEquals", "", "NOVALUE", false,
                        "!invalid environment variable \"NOVALUE\" in the options: expected KEY=VALUE"),
                Arguments.of("ImageWithoutEquals", "BROKEN", "", false,
                        "!invalid environment variable \"BROKEN\" in the image's Env: expected KEY=VALUE"),
                Arguments.of("EmptyName", "", "=x", false, "!the name is empty"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void build(String name, String image, String options, boolean tty, String expected) throws BerthException {
        List<String> decisions = new ArrayList<>();
        if (expected.startsWith("!")) {
            BerthException e = assertThrows(BerthException.class,
                    () -> Environment.build(list(image), list(options), "h", tty, decisions));
            assertEquals(ErrorKind.INVALID, e.kind());
            assertTrue(e.getMessage().contains(expected.substring(1)), e.getMessage());
            return;
        }
        assertEquals(list(expected), Environment.build(list(image), list(options), "h", tty, decisions));
        assertEquals(expected.startsWith("PATH=" + Environment.DEFAULT_PATH),
                decisions.stream().anyMatch(d -> d.startsWith("PATH=")), decisions.toString());
    }
}
