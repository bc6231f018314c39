package dev.berth.plugin.selinux.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LabelOptionsTest {
    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("None", List.of(), LabelOptions.NONE),
                Arguments.of("Disable", List.of("disable"), new LabelOptions(true, null, null, null, null, null)),
                Arguments.of("DisableTwice", List.of("disable", "disable"),
                        new LabelOptions(true, null, null, null, null, null)),
                Arguments.of("Type", List.of("type:spc_t"), new LabelOptions(false, null, null, "spc_t", null, null)),
                Arguments.of("LaterTypeWins", List.of("type:a_t", "type:b_t"),
                        new LabelOptions(false, null, null, "b_t", null, null)),
                Arguments.of("Everything", List.of("user:staff_u", "role:staff_r", "type:x_t", "filetype:y_t",
                        "level:s0:c1,c2"), new LabelOptions(false, "staff_u", "staff_r", "x_t", "y_t", "s0:c1,c2")),
                Arguments.of("LevelRange", List.of("level:s0-s0:c0.c1023"),
                        new LabelOptions(false, null, null, null, null, "s0-s0:c0.c1023")),
                Arguments.of("DottedType", List.of("type:my.module_t"),
                        new LabelOptions(false, null, null, "my.module_t", null, null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void parses(String name, List<String> values, LabelOptions expected) throws BerthException {
        assertEquals(expected, LabelOptions.parse(values));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("Unknown", List.of("nested"), "label=nested: unknown label option \"nested\""),
                Arguments.of("Empty", List.of(""), "label=: unknown label option; use disable"),
                Arguments.of("UpperCaseKey", List.of("TYPE:spc_t"), "unknown label option \"TYPE\""),
                Arguments.of("TypeInjection", List.of("type:a_t:s0:c1"), "\"a_t:s0:c1\" is not an SELinux type name"),
                Arguments.of("RoleEmpty", List.of("role:"), "label=role:: needs a role name"),
                Arguments.of("UserWithSlash", List.of("user:a/b"), "\"a/b\" is not an SELinux user name"),
                Arguments.of("OverlongType", List.of("type:" + "t".repeat(256)), "is not an SELinux type name"),
                Arguments.of("TypeWithTab", List.of("type:a\tb"), "label=type:a\\u0009b"),
                Arguments.of("LevelWithoutValue", List.of("level"), "level needs a value"),
                Arguments.of("DisableAndLevel", List.of("level:s0", "disable"), "cannot be combined"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refuses(String name, List<String> values, String message) {
        BerthException e = assertThrows(BerthException.class, () -> LabelOptions.parse(values));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().startsWith("--security-opt "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
