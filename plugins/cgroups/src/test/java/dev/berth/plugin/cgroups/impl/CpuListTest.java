package dev.berth.plugin.cgroups.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CpuListTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "0; 1; 0",
        "0-1; 2; 0-1",
        "0-1,3; 3; 0-1,3",
        "3,0,1; 3; 0-1,3",
        "0-3,2; 4; 0-3",
        "' 5 '; 1; 5",
        "0,2,4-6; 5; 0,2,4-6",
    })
    void parsesKernelLists(String text, int count, String compact) {
        CpuList list = CpuList.parse(text);
        assertEquals(count, list.count());
        assertEquals(compact, list.toString());
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"", ",", "0,", "a", "1-0", "-1", "0--1", "0-", "99999", "0 1", "0;1", "1.5"})
    void refusesBadLists(String text) {
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse(text));
    }

    @Test
    void readsTheOnlineFile(@TempDir Path dir) throws IOException {
        Path online = dir.resolve("online");
        Files.writeString(online, "0-7\n");
        assertEquals(8, CpuList.online(online).count());
        Files.writeString(online, "garbage\n");
        assertThrows(IOException.class, () -> CpuList.online(online));
    }

    @Test
    void readsThisHost() throws IOException {
        Path online = Path.of("/sys/devices/system/cpu/online");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(online), "no " + online + " on this host");
        org.junit.jupiter.api.Assertions.assertTrue(Runtime.getRuntime().availableProcessors() <= CpuList.online(online).count());
    }
}
