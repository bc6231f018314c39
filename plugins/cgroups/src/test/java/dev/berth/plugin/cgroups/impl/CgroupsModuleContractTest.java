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
        return new CgroupIsolation(dir.resolve("cgroup"), online, 50);
    }

    @Override
    protected Map<String, Map<String, List<String>>> validOptions() {
        Map<String, Map<String, List<String>>> sets = new LinkedHashMap<>();
        sets.put("none", options());
        sets.put("MemoryOnly", options("memory", "64m"));
        sets.put("MemorySwapEqual", options("memory", "64m", "memory-swap", "64m"));
        sets.put("MemorySwapUnlimited", options("memory", "64m", "memory-swap", "-1"));
        sets.put("MemorySwapLarger", options("memory", "64MB", "memory-swap", "1g"));
        sets.put("ReservationWithMemory", options("memory", "1g", "memory-reservation", "512m"));
        sets.put("ReservationOnly", options("memory-reservation", "64m"));
        sets.put("HalfACpu", options("cpus", "0.5"));
        sets.put("AllCpus", options("cpus", "2"));
        sets.put("Cpuset", options("cpuset-cpus", "0-1"));
        sets.put("Shares", options("cpu-shares", "512"));
        sets.put("SharesDefault", options("cpu-shares", "0"));
        sets.put("CpuEverything", options("cpus", "1.5", "cpu-shares", "2048", "cpuset-cpus", "0,1"));
        sets.put("Pids", options("pids-limit", "100"));
        sets.put("PidsUnlimited", options("pids-limit", "-1"));
        sets.put("Everything", options("memory", "128m", "memory-swap", "256m", "memory-reservation", "64m",
                "cpus", "1", "cpuset-cpus", "1", "pids-limit", "64"));
        return sets;
    }

    @Override
    protected Map<String, Refusal> invalidOptions() {
        Map<String, Refusal> sets = new LinkedHashMap<>();
        sets.put("MemoryWithoutUnitSense", refusal("--memory", "memory", "12x"));
        sets.put("MemoryBytesBelowMinimum", refusal("--memory", "memory", "100"));
        sets.put("MemoryBelowMinimum", refusal("--memory", "memory", "5m"));
        sets.put("MemoryNegative", refusal("--memory", "memory", "-64m"));
        sets.put("MemoryEmpty", refusal("--memory", "memory", ""));
        sets.put("MemoryHuge", refusal("--memory", "memory", "99999999999g"));
        sets.put("SwapSmallerThanMemory", refusal("--memory-swap 32m", "memory", "64m", "memory-swap", "32m"));
        sets.put("SwapWithoutMemory", refusal("--memory-swap", "memory-swap", "128m"));
        sets.put("SwapNonsense", refusal("--memory-swap -2", "memory", "64m", "memory-swap", "-2"));
        sets.put("ReservationAboveMemory", refusal("--memory-reservation 128m",
                "memory", "64m", "memory-reservation", "128m"));
        sets.put("ReservationBelowMinimum", refusal("--memory-reservation", "memory-reservation", "1k"));
        sets.put("CpusAboveHost", refusal("--cpus", "cpus", "99"));
        sets.put("CpusZero", refusal("--cpus", "cpus", "0"));
        sets.put("CpusTooSmall", refusal("--cpus", "cpus", "0.001"));
        sets.put("CpusNegative", refusal("--cpus", "cpus", "-1"));
        sets.put("CpusWords", refusal("--cpus", "cpus", "two"));
        sets.put("SharesTooSmall", refusal("--cpu-shares", "cpu-shares", "1"));
        sets.put("SharesTooLarge", refusal("--cpu-shares", "cpu-shares", "262145"));
        sets.put("SharesNotANumber", refusal("--cpu-shares", "cpu-shares", "lots"));
        sets.put("CpusetOffline", refusal("--cpuset-cpus", "cpuset-cpus", "7"));
        sets.put("CpusetPartlyOffline", refusal("--cpuset-cpus", "cpuset-cpus", "0-3"));
        sets.put("CpusetBackwards", refusal("--cpuset-cpus", "cpuset-cpus", "1-0"));
        sets.put("CpusetGarbage", refusal("--cpuset-cpus", "cpuset-cpus", "0;1"));
        sets.put("CpusetInjection", refusal("--cpuset-cpus", "cpuset-cpus", "0\",\"mems\":\"0"));
        sets.put("PidsNotANumber", refusal("--pids-limit", "pids-limit", "abc"));
        sets.put("PidsNegative", refusal("--pids-limit", "pids-limit", "-5"));
        return sets;
    }
}
