package dev.berth.plugin.spec.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class HostFactsTest {
    private static final String LIMITS = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max open files            1024                 %s                files
            Max locked memory         8388608              8388608              bytes
            """;

    @Test
    void readsTheHardOpenFilesLimit() {
        assertEquals(OptionalLong.of(20000), HostFacts.nofileHardLimit(LIMITS.formatted("20000")));
        assertEquals(OptionalLong.of(Long.MAX_VALUE), HostFacts.nofileHardLimit(LIMITS.formatted("unlimited")));
        assertEquals(OptionalLong.empty(), HostFacts.nofileHardLimit(LIMITS.formatted("lots")));
        assertEquals(OptionalLong.empty(), HostFacts.nofileHardLimit("Limit Soft Hard\n"));
    }

    @Test
    void probesThisProcess() {
        HostFacts facts = HostFacts.probe(Path.of("/no/such/resolv.conf"));
        assertTrue(facts.nofileHard().isPresent(), "/proc/self/limits is readable on Linux");
        assertEquals(null, facts.resolvConfText());
    }
}
