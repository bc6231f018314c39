package dev.berth.api.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How a module's service properties read, as the spec stage and the engine both read them. */
class IsolationModulePropertiesTest {
    static Stream<Arguments> properties() {
        return Stream.of(
                Arguments.of("Integer", 300, 300, true),
                Arguments.of("NumericString", " 150 ", 150, true),
                Arguments.of("Absent", null, IsolationModule.UNORDERED, true),
                Arguments.of("NotANumber", "first", IsolationModule.UNORDERED, true),
                Arguments.of("BooleanFalse", Boolean.FALSE, IsolationModule.UNORDERED, false),
                Arguments.of("StringFalse", "FALSE", IsolationModule.UNORDERED, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("properties")
    void orderAndDefaultRead(String name, Object property, int order, boolean defaultOn) {
        assertEquals(order, IsolationModule.order(property), name);
        assertEquals(defaultOn, IsolationModule.defaultOn(property), name);
    }
}
