package dev.berth.plugin.selinux.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MlsLevelTest {
    @ParameterizedTest
    @ValueSource(strings = {"s0", "s15", "s0:c0", "s0:c1,c2", "s0:c0.c1023", "s0:c1,c3.c7,c9", "s0-s0:c0.c1023",
        "s0:c1,c2-s2:c1,c2", "s0:c1022,c1023"})
    void accepts(String level) {
        assertEquals(level, MlsLevel.check(level));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "Empty|''|empty",
        "NoSensitivity|c1,c2|is not a level",
        "SensitivityTooHigh|s16|sensitivity s16",
        "SensitivityLeadingZero|s00|sensitivity s00",
        "CategoryTooHigh|s0:c1024|category c1024",
        "CategoryHuge|s0:c99999|is not cN",
        "CategoryLeadingZero|s0:c007|category c007",
        "Descending|s0:c9,c1|c1 comes after c9",
        "Repeated|s0:c4,c4|c4 comes after c4",
        "RangeDescending|s0:c9.c1|does not ascend",
        "RangeEqual|s0:c3.c3|does not ascend",
        "OverlappingRanges|s0:c1.c5,c3|c3 comes after c5",
        "EmptyCategorySet|'s0:'|is not a level",
        "TrailingComma|'s0:c1,'|is not cN",
        "HighBelowLow|s2-s1|below its low level",
        "TwoDashes|s0-s1-s2|is not a level",
        "Whitespace|'s0 '|is not a level",
        "Injection|s0:c1,c2;rm|is not cN"})
    void refuses(String name, String level, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MlsLevel.check(level));
        assertTrue(e.getMessage().contains(why), name + ": " + e.getMessage());
    }
}
