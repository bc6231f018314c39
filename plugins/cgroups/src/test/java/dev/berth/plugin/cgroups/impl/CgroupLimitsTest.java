package dev.berth.plugin.cgroups.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModuleContract;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.SpecField;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the fields mean: Docker's semantics for each flag, on a fake host with CPUs 0-1 online. */
class CgroupLimitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;
    private CgroupLimits limits;

    @BeforeEach
    void setUp() throws Exception {
        Path online = dir.resolve("online");
        Files.writeString(online, "0-1\n");
        limits = new CgroupLimits(online);
    }

    @Test
    void noOptionsSetNothing() throws BerthException {
        Contribution c = limits.contribute(request(Map.of()));
        assertEquals(List.of(), c.fields());
        assertEquals(List.of("no resource limits asked for"), c.notes());
    }

    @ParameterizedTest(name = "--memory {0} --memory-swap {1}")
    @CsvSource(nullValues = "unset", value = {
        // memory, swap, limit, expected swap: Docker's memory-swap semantics
        "64m, unset, 67108864, 134217728",   // unset: twice the memory
        "64m, 64m, 67108864, 67108864",      // equal: no swap
        "64m, -1, 67108864, -1",             // -1: unlimited
        "64m, 0, 67108864, 134217728",       // 0 is unset, as in Docker
        "64m, 100m, 67108864, 104857600",    // memory + swap total
        "6m, unset, 6291456, 12582912",      // Docker's minimum
    })
    void memoryAndSwap(String memory, String swap, long limit, long expectedSwap) throws Exception {
        Map<String, List<String>> options = new LinkedHashMap<>();
        options.put("memory", List.of(memory));
        if (swap != null) {
            options.put("memory-swap", List.of(swap));
        }
        Contribution c = limits.contribute(request(options));
        JsonNode node = field(c, CgroupLimits.MEMORY_POINTER);
        assertEquals(limit, node.get("limit").asLong());
        assertEquals(expectedSwap, node.get("swap").asLong());
        assertEquals(Long.toString(limit), c.facts().get(CgroupLimits.FACT_MEMORY_LIMIT));
        assertEquals(1, c.fields().size());
    }

    @Test
    void memoryZeroMeansNoLimit() throws Exception {
        Contribution c = limits.contribute(request(Map.of("memory", List.of("0"))));
        assertEquals(List.of(), c.fields());
        assertEquals(List.of("--memory 0: no memory limit"), c.notes());
    }

    @Test
    void swapUnlimitedWithoutMemoryIsTheDefault() throws Exception {
        Contribution c = limits.contribute(request(Map.of("memory-swap", List.of("-1"))));
        assertEquals(List.of(), c.fields());
        assertEquals(1, c.notes().size());
    }

    @Test
    void reservationAloneOrBelowTheLimit() throws Exception {
        JsonNode alone = field(limits.contribute(request(Map.of("memory-reservation", List.of("64m")))),
                CgroupLimits.MEMORY_POINTER);
        assertEquals(64 * MIB, alone.get("reservation").asLong());
        assertTrue(alone.path("limit").isMissingNode(), alone.toString());
        JsonNode both = field(limits.contribute(request(Map.of("memory", List.of("1g"),
                "memory-reservation", List.of("1g")))), CgroupLimits.MEMORY_POINTER);
        assertEquals(1024 * MIB, both.get("reservation").asLong());
        assertEquals(1024 * MIB, both.get("limit").asLong());
    }

    @ParameterizedTest(name = "--cpus {0}")
    @CsvSource({"0.5, 50000", "0.01, 1000", "1, 100000", "1.5, 150000", "2, 200000", "2.0, 200000",
        "0.333, 33300", ".25, 25000"})
    void cpusBecomeAQuota(String cpus, long quota) throws Exception {
        JsonNode node = field(limits.contribute(request(Map.of("cpus", List.of(cpus)))), CgroupLimits.CPU_POINTER);
        assertEquals(quota, node.get("quota").asLong());
        assertEquals(100_000, node.get("period").asLong());
        assertTrue(node.path("shares").isMissingNode());
    }

    @Test
    void cpusAboveTheHostNamesTheRange() {
        BerthException e = assertThrows(BerthException.class,
                () -> limits.contribute(request(Map.of("cpus", List.of("9")))));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertEquals("--cpus 9: the range of CPUs is 0.01 to 2 (this host has 2 online)", e.getMessage());
    }

    @Test
    void cpuFieldsTogether() throws Exception {
        Contribution c = limits.contribute(request(Map.of("cpus", List.of("1"), "cpu-shares", List.of("512"),
                "cpuset-cpus", List.of("1,0"))));
        JsonNode node = field(c, CgroupLimits.CPU_POINTER);
        assertEquals(512, node.get("shares").asLong());
        assertEquals(100_000, node.get("quota").asLong());
        assertEquals("0-1", node.get("cpus").asText());
        assertEquals(1, c.fields().size());
    }

    @Test
    void cpusetNamesTheOfflineCpus() {
        BerthException e = assertThrows(BerthException.class,
                () -> limits.contribute(request(Map.of("cpuset-cpus", List.of("0-3")))));
        assertEquals("--cpuset-cpus 0-3: CPU 2, 3 not online (this host has 0-1 online)", e.getMessage());
    }

    @Test
    void unreadableOnlineListIsHostTrouble() {
        CgroupLimits blind = new CgroupLimits(dir.resolve("missing"));
        BerthException e = assertThrows(BerthException.class,
                () -> blind.contribute(request(Map.of("cpus", List.of("1")))));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains(dir.resolve("missing").toString()), e.getMessage());
    }

    @Test
    void pidsLimit() throws Exception {
        assertEquals(100, field(limits.contribute(request(Map.of("pids-limit", List.of("100")))),
                CgroupLimits.PIDS_POINTER).get("limit").asLong());
        assertEquals(List.of(), limits.contribute(request(Map.of("pids-limit", List.of("0")))).fields());
        assertEquals(List.of(), limits.contribute(request(Map.of("pids-limit", List.of("-1")))).fields());
    }

    @Test
    void laterFlagsWin() throws Exception {
        JsonNode node = field(limits.contribute(request(Map.of("memory", List.of("1g", "64m")))),
                CgroupLimits.MEMORY_POINTER);
        assertEquals(64 * MIB, node.get("limit").asLong());
    }

    @Test
    void unitlessMemoryHintsAtTheUnit() {
        BerthException e = assertThrows(BerthException.class,
                () -> limits.contribute(request(Map.of("memory", List.of("100")))));
        assertEquals("--memory 100: 100 B is below the minimum memory limit of 6 MiB (a value without a unit is"
                + " bytes; did you mean 100m?)", e.getMessage());
    }

    @Test
    void swapWithoutMemorySaysWhy() {
        BerthException e = assertThrows(BerthException.class,
                () -> limits.contribute(request(Map.of("memory-swap", List.of("1g")))));
        assertTrue(e.getMessage().contains("set --memory too"), e.getMessage());
    }

    @Test
    void neverTouchesDevices() throws Exception {
        Contribution c = limits.contribute(request(Map.of("memory", List.of("64m"), "cpus", List.of("1"),
                "pids-limit", List.of("10"))));
        SpecField devices = SpecField.set("/linux/resources/devices", "[]", "base");
        for (SpecField f : c.fields()) {
            assertTrue(!f.overlaps(devices), f.pointer());
            assertTrue(!f.reason().isBlank());
        }
        assertEquals(3, c.fields().size());
    }

    private static JsonNode field(Contribution c, String pointer) throws Exception {
        for (SpecField f : c.fields()) {
            if (f.pointer().equals(pointer)) {
                return JSON.readTree(f.value());
            }
        }
        throw new AssertionError("no field " + pointer + " in " + c);
    }

    private static IsolationRequest request(Map<String, List<String>> options) {
        return new IsolationRequest("c0ffee", "test", options, IsolationModuleContract.BASE_SPEC, Map.of());
    }

    @Test
    void checkRefusesAsContributeDoes() {
        CgroupLimits blind = new CgroupLimits(dir.resolve("missing"));
        for (CgroupLimits module : List.of(limits, blind)) {
            for (Map<String, List<String>> options : List.of(Map.of("cpus", List.of("9")),
                    Map.of("cpuset-cpus", List.of("0-3")), Map.of("memory", List.of("5")),
                    Map.of("memory", List.of("64m"), "memory-swap", List.of("32m")))) {
                BerthException contributed = assertThrows(BerthException.class,
                        () -> module.contribute(request(options)));
                BerthException checked = assertThrows(BerthException.class,
                        () -> module.check(new IsolationRequest("c1", "c1", options, "{}", Map.of())));
                assertEquals(contributed.kind(), checked.kind());
                assertEquals(contributed.getMessage(), checked.getMessage());
            }
        }
    }
}
