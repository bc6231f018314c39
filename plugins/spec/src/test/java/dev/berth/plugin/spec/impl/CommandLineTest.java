package dev.berth.plugin.spec.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.RunOptions;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CommandLineTest {
    private static final String NO_COMMAND = "!no command: the image has no Entrypoint or Cmd and none was given";

    /** "-" is absent (null), "" an empty list, else words split at "|". */
    private static List<String> words(String spec) {
        if (spec.equals("-")) {
            return null;
        }
        return spec.isEmpty() ? List.of() : Arrays.asList(spec.split("\\|", -1));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, image Entrypoint, image Cmd, options entrypoint, options command, args or "!message"
                Arguments.of("CmdOnly", "-", "sh|-c|true", "-", "-", "sh|-c|true"),
                Arguments.of("EntrypointOnly", "tool|--x", "-", "-", "-", "tool|--x"),
                Arguments.of("EntrypointPlusCmd", "tool", "--help", "-", "-", "tool|--help"),
                Arguments.of("CommandReplacesCmd", "tool", "--help", "-", "run|fast", "tool|run|fast"),
                Arguments.of("CommandWithoutEntrypoint", "-", "sh", "-", "echo|hi", "echo|hi"),
                Arguments.of("EntrypointOverrideDropsImageCmd", "tool", "--help", "sh", "-", "sh"),
                Arguments.of("EntrypointAndCommandOverride", "tool", "--help", "sh", "-c|true", "sh|-c|true"),
                Arguments.of("EmptyEntrypointClearsImage", "tool", "--help", "", "echo", "echo"),
                Arguments.of("EmptyEntrypointAndNoCommand", "tool", "--help", "", "-", NO_COMMAND),
                Arguments.of("NothingAnywhere", "-", "-", "-", "-", NO_COMMAND),
                Arguments.of("EmptyImageLists", "", "", "-", "-", NO_COMMAND),
                Arguments.of("EmptyCommandKeepsEntrypoint", "tool", "--help", "-", "", "tool"),
                Arguments.of("EmptyFirstArgument", "-", "-", "-", "|x", "!no command: the first argument is empty"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void args(String name, String imageEntrypoint, String imageCmd, String entrypoint, String command,
            String expected) throws BerthException {
        ImageConfig image = new ImageConfig(words(imageEntrypoint), words(imageCmd), List.of(), null, null);
        RunOptions options = new RunOptions(words(command), words(entrypoint), List.of(), null, null, null, false,
                List.of(), false, false, null);
        if (expected.startsWith("!")) {
            BerthException e = assertThrows(BerthException.class, () -> CommandLine.args(image, options));
            assertEquals(ErrorKind.INVALID, e.kind());
            assertEquals(expected.substring(1), e.getMessage());
            return;
        }
        assertEquals(words(expected), CommandLine.args(image, options));
    }
}
