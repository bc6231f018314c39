package dev.berth.plugin.cgroups.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A set of CPU numbers in the kernel's list format ({@code 0-1,3}), as {@code --cpuset-cpus} takes it and
 * {@code /sys/devices/system/cpu/online} shows the host's online CPUs. Immutable.
 */
record CpuList(SortedSet<Integer> cpus) {
    /** The largest CPU number accepted; Linux's NR_CPUS tops out at 8192. */
    private static final int MAX_CPU = 8191;

    CpuList {
        cpus = Collections.unmodifiableSortedSet(new TreeSet<>(cpus));
    }

    /**
     * The CPUs {@code text} lists: comma-separated numbers and inclusive ranges {@code A-B} with A <= B.
     * Throws IllegalArgumentException saying what is wrong.
     */
    static CpuList parse(String text) {
        String list = text.strip();
        if (list.isEmpty()) {
            throw new IllegalArgumentException("empty CPU list");
        }
        TreeSet<Integer> cpus = new TreeSet<>();
        for (String part : list.split(",", -1)) {
            String item = part.strip();
            int dash = item.indexOf('-');
            int first = number(dash < 0 ? item : item.substring(0, dash), item);
            int last = dash < 0 ? first : number(item.substring(dash + 1), item);
            if (last < first) {
                throw new IllegalArgumentException("range " + item + " runs backwards");
            }
            for (int cpu = first; cpu <= last; cpu++) {
                cpus.add(cpu);
            }
        }
        return new CpuList(cpus);
    }

    /** The host's online CPUs from {@code file} (normally /sys/devices/system/cpu/online). */
    static CpuList online(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** How many CPUs the list holds. */
    int count() {
        return cpus.size();
    }

    /** The list in the kernel's compact form ({@code 0-2,5}). */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        Integer start = null;
        Integer previous = null;
        for (int cpu : cpus) {
            if (previous != null && cpu == previous + 1) {
                previous = cpu;
                continue;
            }
            append(out, start, previous);
            start = cpu;
            previous = cpu;
        }
        append(out, start, previous);
        return out.toString();
    }

    private static void append(StringBuilder out, Integer start, Integer end) {
        if (start == null) {
            return;
        }
        if (out.length() > 0) {
            out.append(',');
        }
        out.append(start);
        if (!start.equals(end)) {
            out.append('-').append(end);
        }
    }

    private static int number(String digits, String item) {
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9') || digits.length() > 5) {
            throw new IllegalArgumentException("\"" + item + "\" is not a CPU number or range A-B");
        }
        int cpu = Integer.parseInt(digits);
        if (cpu > MAX_CPU) {
            throw new IllegalArgumentException("CPU " + cpu + " is beyond any Linux host (at most " + MAX_CPU + ")");
        }
        return cpu;
    }
}
