package dev.berth.plugin.cgroups.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.ResourceUsage;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The host's cgroup file systems under one root (normally /sys/fs/cgroup): a pure cgroup v2 host
 * ({@code <root>/cgroup.controllers} exists) or a v1 / hybrid host ({@code <root>/memory} is a v1
 * hierarchy, other controllers beside it). Finds a container's cgroup by its {@code cgroupsPath}
 * ({@code /berth/<id>}, relative to each hierarchy) and reads its use, limits and OOM-kill counter.
 * Stateless reads of small files; thread-safe.
 */
final class CgroupTree {
    /** Which cgroup layout a host has. */
    enum Layout {
        /** One cgroup2 hierarchy at the root. */
        V2,
        /** v1 hierarchies per controller at the root (with or without a cgroup2 at unified/). */
        V1,
        /** Neither: no cgroup file system at the root. */
        NONE
    }

    /** v1 memory limits at or above this (the kernel shows PAGE_COUNTER_MAX in bytes) mean unlimited. */
    private static final BigInteger V1_UNLIMITED = BigInteger.ONE.shiftLeft(62);

    private final Path root;

    CgroupTree(Path root) {
        this.root = root;
    }

    /** The root this tree reads. */
    Path root() {
        return root;
    }

    /** The host's layout, looked at now. */
    Layout layout() {
        if (Files.isRegularFile(root.resolve("cgroup.controllers"))) {
            return Layout.V2;
        }
        if (Files.isRegularFile(root.resolve("memory").resolve("cgroup.procs"))) {
            return Layout.V1;
        }
        return Layout.NONE;
    }

    /** The directory of the container's cgroup in the memory hierarchy. */
    Path memoryDir(String cgroupsPath) throws BerthException {
        return controllerDir(List.of("memory"), cgroupsPath);
    }

    /** The OOM-kill counter file: v1 {@code memory.oom_control}, v2 {@code memory.events}. */
    Path oomFile(String cgroupsPath) throws BerthException {
        return memoryDir(cgroupsPath).resolve(layout() == Layout.V2 ? "memory.events" : "memory.oom_control");
    }

    /**
     * The container's OOM-kill count ({@code oom_kill N} in {@link #oomFile}); empty when the cgroup is not
     * there (not yet created, or gone). A file without the line (an old kernel) counts 0.
     */
    OptionalLong oomKills(String cgroupsPath) throws BerthException {
        Path file = oomFile(cgroupsPath);
        Optional<List<String>> lines = lines(file);
        if (lines.isEmpty()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(keyed(file, lines.get(), "oom_kill").orElse(0));
    }

    /** The container's memory limit in bytes, 0 when unlimited or unreadable. */
    long memoryLimitOrZero(String cgroupsPath) {
        try {
            Path dir = memoryDir(cgroupsPath);
            return layout() == Layout.V2 ? v2Max(dir.resolve("memory.max")) : v1Limit(dir.resolve("memory.limit_in_bytes"));
        } catch (BerthException e) {
            return 0;
        }
    }

    /**
     * What the container's cgroup uses now; NOT_FOUND or UNAVAILABLE naming the file that could not be read.
     * Memory is counted as {@code docker stats} counts it, see {@link #memoryInUse}.
     */
    ResourceUsage usage(String cgroupsPath) throws BerthException {
        if (layout() == Layout.V2) {
            Path dir = controllerDir(List.of(), cgroupsPath);
            Path stat = dir.resolve("cpu.stat");
            long usec = keyed(stat, require(stat), "usage_usec").orElseThrow(
                    () -> new BerthException(ErrorKind.UNAVAILABLE, "read " + stat + ": no usage_usec line"));
            return new ResourceUsage(memoryInUse(dir.resolve("memory.current"), "inactive_file"),
                    v2Max(dir.resolve("memory.max")),
                    Math.multiplyExact(usec, 1000L), number(dir.resolve("pids.current")), v2Max(dir.resolve("pids.max")));
        }
        Path memory = memoryDir(cgroupsPath);
        Path cpu = cpuacctDir(cgroupsPath);
        Path pids = controllerDir(List.of("pids"), cgroupsPath);
        return new ResourceUsage(memoryInUse(memory.resolve("memory.usage_in_bytes"), "total_inactive_file"),
                v1Limit(memory.resolve("memory.limit_in_bytes")), number(cpu.resolve("cpuacct.usage")),
                number(pids.resolve("pids.current")), v2Max(pids.resolve("pids.max")));
    }

    /**
     * Memory in use the way {@code docker stats} shows it: the cgroup's usage ({@code usageFile}: v1
     * {@code memory.usage_in_bytes}, v2 {@code memory.current}) less the inactive page cache, the
     * {@code inactiveKey} line of {@code memory.stat} beside it (v1 {@code total_inactive_file}, v2
     * {@code inactive_file}), which the kernel reclaims before it would OOM-kill. The raw usage when
     * memory.stat is missing or has no such line, and also when the inactive cache is not below the usage
     * (the two files are read at different moments), as Docker does, so the result is never below 0.
     */
    private static long memoryInUse(Path usageFile, String inactiveKey) throws BerthException {
        long usage = number(usageFile);
        Path stat = usageFile.resolveSibling("memory.stat");
        Optional<List<String>> lines = lines(stat);
        if (lines.isEmpty()) {
            return usage;
        }
        OptionalLong inactive = keyed(stat, lines.get(), inactiveKey);
        return inactive.isPresent() && inactive.getAsLong() < usage ? usage - inactive.getAsLong() : usage;
    }

    /** v1: the cpuacct hierarchy, mounted as {@code cpuacct} or only as {@code cpu,cpuacct}. */
    private Path cpuacctDir(String cgroupsPath) throws BerthException {
        Path plain = controllerDir(List.of("cpuacct"), cgroupsPath);
        if (Files.isDirectory(root.resolve("cpuacct"))) {
            return plain;
        }
        return controllerDir(List.of("cpu,cpuacct"), cgroupsPath);
    }

    /** {@code <root>[/<controller>]/<cgroupsPath>}; INVALID for a path that is empty or climbs out. */
    private Path controllerDir(List<String> controller, String cgroupsPath) throws BerthException {
        String relative = cgroupsPath.replaceFirst("^/+", "");
        if (relative.isEmpty() || relative.contains("\0")) {
            throw new BerthException(ErrorKind.INVALID, "cgroup path \"" + cgroupsPath + "\" names no cgroup");
        }
        for (String part : relative.split("/")) {
            if (part.equals("..") || part.equals(".")) {
                throw new BerthException(ErrorKind.INVALID, "cgroup path \"" + cgroupsPath + "\" leaves the cgroup tree");
            }
        }
        Path base = layout() == Layout.V2 || controller.isEmpty() ? root : root.resolve(controller.get(0));
        return base.resolve(relative);
    }

    private static long v1Limit(Path file) throws BerthException {
        BigInteger value = new BigInteger(single(file));
        return value.compareTo(V1_UNLIMITED) >= 0 ? 0 : value.longValueExact();
    }

    /** A v2 {@code *.max} file (also v1 pids.max): {@code max} means unlimited, shown as 0. */
    private static long v2Max(Path file) throws BerthException {
        String text = single(file);
        return text.equals("max") ? 0 : parse(file, text);
    }

    private static long number(Path file) throws BerthException {
        return parse(file, single(file));
    }

    private static long parse(Path file, String text) throws BerthException {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "read " + file + ": \"" + text + "\" is not a number", e);
        }
    }

    private static String single(Path file) throws BerthException {
        List<String> lines = require(file);
        String text = lines.isEmpty() ? "" : lines.get(0).strip();
        if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9') && !text.equals("max")) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "read " + file + ": \"" + text + "\" is not a number");
        }
        return text;
    }

    /** The value of the {@code key N} line in {@code lines}, if there is one. */
    private static OptionalLong keyed(Path file, List<String> lines, String key) throws BerthException {
        for (String line : lines) {
            String[] parts = line.strip().split("\\s+");
            if (parts.length == 2 && parts[0].equals(key)) {
                return OptionalLong.of(parse(file, parts[1]));
            }
        }
        return OptionalLong.empty();
    }

    private static List<String> require(Path file) throws BerthException {
        try {
            return Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new BerthException(ErrorKind.NOT_FOUND, "read " + file + ": no such file (is the container running?)", e);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "read " + file + ": " + e, e);
        }
    }

    /** The file's lines, or empty when it (or its cgroup) does not exist; other read errors too. */
    private static Optional<List<String>> lines(Path file) {
        try {
            return Optional.of(Files.readAllLines(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
