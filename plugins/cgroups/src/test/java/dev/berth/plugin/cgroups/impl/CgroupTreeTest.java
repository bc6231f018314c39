package dev.berth.plugin.cgroups.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.ResourceUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading use, limits and OOM counters from fake v1 and v2 cgroup trees in a temporary directory. */
class CgroupTreeTest {
    static final String PATH = "/berth/c0ffee";

    @TempDir
    Path root;

    @Test
    void detectsTheLayout() throws IOException {
        CgroupTree tree = new CgroupTree(root);
        assertEquals(CgroupTree.Layout.NONE, tree.layout());
        FakeCgroups.v1(root);
        assertEquals(CgroupTree.Layout.V1, tree.layout());
    }

    @Test
    void detectsPureV2() throws IOException {
        FakeCgroups.v2(root);
        assertEquals(CgroupTree.Layout.V2, new CgroupTree(root).layout());
    }

    @Test
    void readsV1Usage() throws Exception {
        FakeCgroups.v1(root);
        Path memory = FakeCgroups.v1Container(root, PATH, "cpuacct");
        ResourceUsage usage = new CgroupTree(root).usage(PATH);
        assertEquals(new ResourceUsage(5_000_000, 64L << 20, 123_456_789, 3, 100), usage);
        Files.writeString(memory.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
        Files.writeString(root.resolve("pids/berth/c0ffee/pids.max"), "max\n");
        assertEquals(new ResourceUsage(5_000_000, 0, 123_456_789, 3, 0), new CgroupTree(root).usage(PATH));
    }

    @Test
    void readsV1CpuacctMountedOnlyAsCpuCommaCpuacct() throws Exception {
        FakeCgroups.v1(root);
        FakeCgroups.v1Container(root, PATH, "cpu,cpuacct");
        assertEquals(123_456_789, new CgroupTree(root).usage(PATH).cpuNanos());
    }

    @Test
    void readsV2Usage() throws Exception {
        FakeCgroups.v2(root);
        FakeCgroups.v2Container(root, PATH);
        assertEquals(new ResourceUsage(7_000_000, 32L << 20, 4_000_000, 2, 0), new CgroupTree(root).usage(PATH));
    }

    @Test
    void readsOomCounters() throws Exception {
        FakeCgroups.v1(root);
        Path memory = FakeCgroups.v1Container(root, PATH, "cpuacct");
        CgroupTree tree = new CgroupTree(root);
        assertEquals(OptionalLong.of(0), tree.oomKills(PATH));
        Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
        assertEquals(OptionalLong.of(4), tree.oomKills(PATH));
        assertEquals(OptionalLong.empty(), tree.oomKills("/berth/gone"));
        assertEquals(64L << 20, tree.memoryLimitOrZero(PATH));
    }

    @Test
    void readsV2OomCounter() throws Exception {
        FakeCgroups.v2(root);
        Path dir = FakeCgroups.v2Container(root, PATH);
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n");
        assertEquals(OptionalLong.of(2), new CgroupTree(root).oomKills(PATH));
    }

    @Test
    void aMissingCgroupIsNamed() throws Exception {
        FakeCgroups.v1(root);
        BerthException e = assertThrows(BerthException.class, () -> new CgroupTree(root).usage("/berth/gone"));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains(root.resolve("memory/berth/gone/memory.usage_in_bytes").toString()),
                e.getMessage());
    }

    @Test
    void aGarbledFileIsNamed() throws Exception {
        FakeCgroups.v2(root);
        Path dir = FakeCgroups.v2Container(root, PATH);
        Files.writeString(dir.resolve("memory.current"), "lots\n");
        BerthException e = assertThrows(BerthException.class, () -> new CgroupTree(root).usage(PATH));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains(dir.resolve("memory.current").toString()), e.getMessage());
    }

    /** v1: memory.usage_in_bytes less total_inactive_file (not inactive_file, this cgroup's own share). */
    @Test
    void v1MemoryLeavesOutInactivePageCache() throws Exception {
        FakeCgroups.v1(root);
        Path memory = FakeCgroups.v1Container(root, PATH, "cpuacct");
        CgroupTree tree = new CgroupTree(root);
        Files.writeString(memory.resolve("memory.stat"), "cache 3000000\nrss 2000000\ninactive_file 100\n"
                + "active_file 500000\ntotal_cache 3000000\ntotal_inactive_file 1200000\ntotal_active_file 500000\n");
        assertEquals(new ResourceUsage(3_800_000, 64L << 20, 123_456_789, 3, 100), tree.usage(PATH));
        Files.writeString(memory.resolve("memory.stat"), "cache 3000000\nrss 2000000\ninactive_file 100\n");
        assertEquals(5_000_000, tree.usage(PATH).memoryBytes(), "no total_inactive_file line: the raw value");
        Files.delete(memory.resolve("memory.stat"));
        assertEquals(5_000_000, tree.usage(PATH).memoryBytes(), "no memory.stat: the raw value");
    }

    /** v2: memory.current less inactive_file. */
    @Test
    void v2MemoryLeavesOutInactivePageCache() throws Exception {
        FakeCgroups.v2(root);
        Path dir = FakeCgroups.v2Container(root, PATH);
        CgroupTree tree = new CgroupTree(root);
        Files.writeString(dir.resolve("memory.stat"), "anon 4000000\nfile 3000000\nactive_file 1000000\n"
                + "inactive_file 2500000\nworkingset_refault_file 0\n");
        assertEquals(new ResourceUsage(4_500_000, 32L << 20, 4_000_000, 2, 0), tree.usage(PATH));
        Files.writeString(dir.resolve("memory.stat"), "anon 4000000\nfile 3000000\nactive_file 1000000\n");
        assertEquals(7_000_000, tree.usage(PATH).memoryBytes(), "no inactive_file line: the raw value");
        Files.delete(dir.resolve("memory.stat"));
        assertEquals(7_000_000, tree.usage(PATH).memoryBytes(), "no memory.stat: the raw value");
    }

    /**
     * Usage and memory.stat are read at different moments: inactive cache not below the use gives the raw
     * value (Docker's rule), so memory is never below 0.
     */
    @Test
    void memoryIsNeverBelowZero() throws Exception {
        FakeCgroups.v2(root);
        Path dir = FakeCgroups.v2Container(root, PATH);
        CgroupTree tree = new CgroupTree(root);
        Files.writeString(dir.resolve("memory.stat"), "inactive_file 9000000\n");
        assertEquals(7_000_000, tree.usage(PATH).memoryBytes());
        Files.writeString(dir.resolve("memory.stat"), "inactive_file 7000000\n");
        assertEquals(7_000_000, tree.usage(PATH).memoryBytes());
        Files.writeString(dir.resolve("memory.stat"), "inactive_file 6999999\n");
        assertEquals(1, tree.usage(PATH).memoryBytes());
    }

    @Test
    void aGarbledMemoryStatIsNamed() throws Exception {
        FakeCgroups.v2(root);
        Path dir = FakeCgroups.v2Container(root, PATH);
        Files.writeString(dir.resolve("memory.stat"), "inactive_file many\n");
        BerthException e = assertThrows(BerthException.class, () -> new CgroupTree(root).usage(PATH));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains(dir.resolve("memory.stat").toString()), e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"", "/", "/berth/../../etc", "berth/./x", "/berth/.."})
    void refusesPathsThatLeaveTheTree(String path) throws IOException {
        FakeCgroups.v1(root);
        BerthException e = assertThrows(BerthException.class, () -> new CgroupTree(root).usage(path));
        assertEquals(ErrorKind.INVALID, e.kind());
    }
}
