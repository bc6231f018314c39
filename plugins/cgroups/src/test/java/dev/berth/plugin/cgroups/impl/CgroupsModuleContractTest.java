package dev.berth.plugin.cgroups.impl;

import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationModuleContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The isolation module contract for the cgroups module, on a fake host with CPUs 0-1 online. PER_CLASS
 * because the contract's valid() and invalid() argument sources are instance methods.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CgroupsModuleContractTest extends IsolationModuleContract {
    @TempDir
    Path dir;

    @Override
    protected IsolationModule module() throws Exception {
        Path online = dir.resolve("online");
        Files.writeString(online, "0-1\n");
        return new CgroupsModule(dir.resolve("cgroup"), online, 50);
    }

    @Override
    protected Map<String, Map<String, List<String>>> validOptions() {
        Map<String, Map<String, List<String>>> sets = new LinkedHashMap<>();
        sets.put("none", Map.of());
        sets.put("MemoryOnly", Map.of("memory", List.of("64m")));
        sets.put("MemorySwapEqual", Map.of("memory", List.of("64m"), "memory-swap", List.of("64m")));
        sets.put("MemorySwapUnlimited", Map.of("memory", List.of("64m"), "memory-swap", List.of("-1")));
        sets.put("MemorySwapLarger", Map.of("memory", List.of("64MB"), "memory-swap", List.of("1g")));
        sets.put("ReservationWithMemory", Map.of("memory", List.of("1g"), "memory-reservation", List.of("512m")));
        sets.put("ReservationOnly", Map.of("memory-reservation", List.of("64m")));
        sets.put("HalfACpu", Map.of("cpus", List.of("0.5")));
        sets.put("AllCpus", Map.of("cpus", List.of("2")));
        sets.put("Cpuset", Map.of("cpuset-cpus", List.of("0-1")));
        sets.put("Shares", Map.of("cpu-shares", List.of("512")));
        sets.put("SharesDefault", Map.of("cpu-shares", List.of("0")));
        sets.put("CpuEverything", Map.of("cpus", List.of("1.5"), "cpu-shares", List.of("2048"),
                "cpuset-cpus", List.of("0,1")));
        sets.put("Pids", Map.of("pids-limit", List.of("100")));
        sets.put("PidsUnlimited", Map.of("pids-limit", List.of("-1")));
        sets.put("Everything", Map.of("memory", List.of("128m"), "memory-swap", List.of("256m"),
                "memory-reservation", List.of("64m"), "cpus", List.of("1"), "cpuset-cpus", List.of("1"),
                "pids-limit", List.of("64")));
        return sets;
    }

    @Override
    protected Map<String, Refusal> invalidOptions() {
        Map<String, Refusal> sets = new LinkedHashMap<>();
        sets.put("MemoryWithoutUnitSense", refuse("memory", "memory", "12x"));
        sets.put("MemoryBytesBelowMinimum", refuse("memory", "memory", "100"));
        sets.put("MemoryBelowMinimum", refuse("memory", "memory", "5m"));
        sets.put("MemoryNegative", refuse("memory", "memory", "-64m"));
        sets.put("MemoryEmpty", refuse("memory", "memory", ""));
        sets.put("MemoryHuge", refuse("memory", "memory", "99999999999g"));
        sets.put("SwapSmallerThanMemory", new Refusal(Map.of("memory", List.of("64m"), "memory-swap", List.of("32m")),
                "--memory-swap 32m"));
        sets.put("SwapWithoutMemory", refuse("memory-swap", "memory-swap", "128m"));
        sets.put("SwapNonsense", new Refusal(Map.of("memory", List.of("64m"), "memory-swap", List.of("-2")),
                "--memory-swap -2"));
        sets.put("ReservationAboveMemory", new Refusal(Map.of("memory", List.of("64m"),
                "memory-reservation", List.of("128m")), "--memory-reservation 128m"));
        sets.put("ReservationBelowMinimum", refuse("memory-reservation", "memory-reservation", "1k"));
        sets.put("CpusAboveHost", refuse("cpus", "cpus", "99"));
        sets.put("CpusZero", refuse("cpus", "cpus", "0"));
        sets.put("CpusTooSmall", refuse("cpus", "cpus", "0.001"));
        sets.put("CpusNegative", refuse("cpus", "cpus", "-1"));
        sets.put("CpusWords", refuse("cpus", "cpus", "two"));
        sets.put("SharesTooSmall", refuse("cpu-shares", "cpu-shares", "1"));
        sets.put("SharesTooLarge", refuse("cpu-shares", "cpu-shares", "262145"));
        sets.put("SharesNotANumber", refuse("cpu-shares", "cpu-shares", "lots"));
        sets.put("CpusetOffline", refuse("cpuset-cpus", "cpuset-cpus", "7"));
        sets.put("CpusetPartlyOffline", refuse("cpuset-cpus", "cpuset-cpus", "0-3"));
        sets.put("CpusetBackwards", refuse("cpuset-cpus", "cpuset-cpus", "1-0"));
        sets.put("CpusetGarbage", refuse("cpuset-cpus", "cpuset-cpus", "0;1"));
        sets.put("CpusetInjection", refuse("cpuset-cpus", "cpuset-cpus", "0\",\"mems\":\"0"));
        sets.put("PidsNotANumber", refuse("pids-limit", "pids-limit", "abc"));
        sets.put("PidsNegative", refuse("pids-limit", "pids-limit", "-5"));
        return sets;
    }

    private static Refusal refuse(String option, String mentions, String value) {
        return new Refusal(Map.of(option, List.of(value)), "--" + mentions);
    }
}
