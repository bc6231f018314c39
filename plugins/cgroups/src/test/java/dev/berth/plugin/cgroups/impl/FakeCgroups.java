package dev.berth.plugin.cgroups.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds fake cgroup trees with the files Berth reads, for tests. */
final class FakeCgroups {
    private FakeCgroups() {
    }

    /** A v1 (hybrid) root: controller directories with cgroup.procs. */
    static void v1(Path root) throws IOException {
        for (String controller : new String[] {"memory", "pids"}) {
            Files.createDirectories(root.resolve(controller));
            Files.writeString(root.resolve(controller).resolve("cgroup.procs"), "");
        }
        Files.createDirectories(root.resolve("unified"));
    }

    /** A v1 container cgroup (cpuacct under {@code cpuacct}, the directory holding it); its memory directory. */
    static Path v1Container(Path root, String cgroupsPath, String cpuacct) throws IOException {
        String rel = cgroupsPath.substring(1);
        Path memory = Files.createDirectories(root.resolve("memory").resolve(rel));
        Files.writeString(memory.resolve("memory.usage_in_bytes"), "5000000\n");
        Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(64L << 20) + "\n");
        Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
        Path cpu = Files.createDirectories(root.resolve(cpuacct).resolve(rel));
        Files.writeString(cpu.resolve("cpuacct.usage"), "123456789\n");
        Path pids = Files.createDirectories(root.resolve("pids").resolve(rel));
        Files.writeString(pids.resolve("pids.current"), "3\n");
        Files.writeString(pids.resolve("pids.max"), "100\n");
        return memory;
    }

    /** A pure v2 root. */
    static void v2(Path root) throws IOException {
        Files.createDirectories(root);
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
    }

    /** A v2 container cgroup; its directory. */
    static Path v2Container(Path root, String cgroupsPath) throws IOException {
        Path dir = Files.createDirectories(root.resolve(cgroupsPath.substring(1)));
        Files.writeString(dir.resolve("memory.current"), "7000000\n");
        Files.writeString(dir.resolve("memory.max"), Long.toString(32L << 20) + "\n");
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 4000\nuser_usec 3000\nsystem_usec 1000\n");
        Files.writeString(dir.resolve("pids.current"), "2\n");
        Files.writeString(dir.resolve("pids.max"), "max\n");
        return dir;
    }
}
