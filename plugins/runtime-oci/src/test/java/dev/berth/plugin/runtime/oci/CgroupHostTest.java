package dev.berth.plugin.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CgroupHost} on hand-made cgroup trees: hybrid detection and the OOM counters of v1 and v2. */
class CgroupHostTest {
    @TempDir
    Path root;

    @Test
    void hybridWithControllersOnCgroup2() throws Exception {
        Files.createDirectories(root.resolve("memory"));
        Files.createDirectories(root.resolve("unified"));
        Files.writeString(root.resolve("unified/cgroup.controllers"), "hugetlb\n");
        CgroupHost host = new CgroupHost(root);
        assertEquals(Optional.of("hugetlb"), host.hybridControllers());
        Files.writeString(root.resolve("unified/cgroup.controllers"), "\n");
        assertEquals(Optional.empty(), host.hybridControllers());
    }

    @Test
    void pureV2IsNotHybrid() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu memory pids\n");
        CgroupHost host = new CgroupHost(root);
        assertEquals(Optional.empty(), host.hybridControllers());
        assertEquals(Optional.of(root), host.v2Mount());
    }

    @Test
    void oomCountersV1ThenV2() throws Exception {
        Path v1 = Files.createDirectories(root.resolve("memory/berth/a"));
        Files.writeString(v1.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        Files.createDirectories(root.resolve("unified/berth/b"));
        Files.writeString(root.resolve("unified/cgroup.controllers"), "");
        Files.writeString(root.resolve("unified/berth/b/memory.events"), "low 0\nhigh 0\nmax 4\noom 1\noom_kill 0\n");
        CgroupHost host = new CgroupHost(root);
        assertEquals(Optional.of(2L), host.oomKills("/berth/a"));
        assertEquals(Optional.of(0L), host.oomKills("/berth/b"));
        assertEquals(Optional.empty(), host.oomKills("/berth/gone"));
        assertEquals(Optional.empty(), host.oomKills("/berth/../../etc"));
    }
}
