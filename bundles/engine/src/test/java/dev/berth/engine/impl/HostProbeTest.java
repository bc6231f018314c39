package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HostProbe on fake /proc, /sys and /etc trees for the three cgroup layouts and the runtime checks. */
class HostProbeTest {
    @TempDir
    Path tmp;

    private static final String V1_LINES = """
            30 25 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs ro,mode=755
            33 30 0:29 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
            34 30 0:30 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
            """;

    private HostProbe probe(String mountinfo, String unifiedControllers, List<String> binaries) throws IOException {
        Path proc = tmp.resolve("proc");
        Path sys = tmp.resolve("sys");
        Path etc = tmp.resolve("etc");
        Path bin = tmp.resolve("bin");
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(proc.resolve("sys/kernel"));
        Files.createDirectories(proc.resolve("sys/user"));
        Files.createDirectories(etc);
        Files.createDirectories(bin);
        Files.writeString(proc.resolve("self/mountinfo"), mountinfo);
        Files.writeString(proc.resolve("sys/kernel/osrelease"), "6.1.0-test\n");
        Files.writeString(proc.resolve("sys/user/max_user_namespaces"), "63000\n");
        Files.writeString(proc.resolve("filesystems"), "nodev\ttmpfs\nnodev\toverlay\n");
        Files.writeString(etc.resolve("os-release"), "NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
        if (unifiedControllers != null) {
            Path unified = sys.resolve("fs/cgroup/unified");
            Files.createDirectories(unified);
            Files.writeString(unified.resolve("cgroup.controllers"), unifiedControllers);
            Path v2 = sys.resolve("fs/cgroup");
            Files.writeString(v2.resolve("cgroup.controllers"), unifiedControllers);
        }
        for (String name : binaries) {
            Path script = bin.resolve(name);
            Files.writeString(script, "#!/bin/sh\necho \"" + name + " version 9.9.9\"\necho commit: abc\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return new HostProbe(proc, sys, etc, List.of(bin));
    }

    @Test
    void hybridWithControllersOnCgroup2MakesCrunUnusableAndSaysWhy() throws IOException {
        HostFacts facts = probe(V1_LINES + "31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
                "hugetlb\n", List.of("runc", "crun")).probe();
        assertEquals("hybrid", facts.cgroups().mode());
        assertEquals("/sys/fs/cgroup/unified", facts.cgroups().unifiedMount());
        assertEquals(List.of("hugetlb"), facts.cgroups().unifiedControllers());
        HostFacts.Runtime runc = facts.runtimes().get(0);
        HostFacts.Runtime crun = facts.runtimes().get(1);
        assertTrue(runc.usable());
        assertEquals("9.9.9", runc.version());
        assertFalse(crun.usable());
        assertTrue(crun.reason().contains("hybrid") && crun.reason().contains("hugetlb"), crun.reason());
        assertEquals("6.1.0-test", facts.kernel());
        assertEquals("Debian GNU/Linux 12 (bookworm)", facts.os());
        assertTrue(facts.overlayfs());
        assertEquals("disabled", facts.selinux());
        assertTrue(facts.userNamespaces().supported());
        assertEquals(63000, facts.userNamespaces().max());
    }

    @Test
    void hybridWithEmptyCgroup2LetsCrunRun() throws IOException {
        HostFacts facts = probe(V1_LINES + "31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
                "", List.of("runc", "crun")).probe();
        assertEquals("hybrid", facts.cgroups().mode());
        assertTrue(facts.runtimes().get(1).usable(), String.valueOf(facts.runtimes().get(1).reason()));
    }

    @Test
    void pureV2() throws IOException {
        HostFacts facts = probe("30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                "cpuset cpu io memory pids\n", List.of("crun")).probe();
        assertEquals("v2", facts.cgroups().mode());
        assertEquals(List.of("cpuset", "cpu", "io", "memory", "pids"), facts.cgroups().unifiedControllers());
        assertTrue(facts.runtimes().get(1).usable());
    }

    @Test
    void pureV1AndMissingRuntimeIsReportedNotThrown() throws IOException {
        HostFacts facts = probe(V1_LINES, null, List.of()).probe();
        assertEquals("v1", facts.cgroups().mode());
        HostFacts.Runtime runc = facts.runtimes().get(0);
        assertFalse(runc.usable());
        assertNull(runc.path());
        assertTrue(runc.reason().contains("not installed"), runc.reason());
    }

    @Test
    void selinuxStatesComeFromEnforce() throws IOException {
        HostProbe probe = probe(V1_LINES, null, List.of());
        Path enforce = tmp.resolve("sys/fs/selinux/enforce");
        Files.createDirectories(enforce.getParent());
        Files.writeString(enforce, "1");
        assertEquals("enforcing", probe.probe().selinux());
        Files.writeString(enforce, "0");
        assertEquals("permissive", probe.probe().selinux());
    }

    @Test
    void theRealHostAnswers() {
        HostFacts facts = new HostProbe().probe();
        assertFalse(facts.kernel().isBlank());
        assertTrue(List.of("v1", "v2", "hybrid", "none").contains(facts.cgroups().mode()), facts.cgroups().mode());
    }
}
