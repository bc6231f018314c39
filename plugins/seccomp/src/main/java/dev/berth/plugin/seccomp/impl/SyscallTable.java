package dev.berth.plugin.seccomp.impl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The system call names this module knows (resource {@code syscalls.txt}, generated from the kernel's C
 * headers) and the ones the default profile blocks, each with a reason (resource {@code blocked.txt}).
 * Immutable.
 */
record SyscallTable(Set<String> known, Map<String, String> blocked) {
    /** Allowed only without namespace flags: the C library needs it for fork and threads. */
    static final String CLONE = "clone";
    /** Answered with ENOSYS: its flags sit in memory a filter cannot read, and the C library falls back to clone. */
    static final String CLONE3 = "clone3";

    SyscallTable {
        known = Collections.unmodifiableSet(new TreeSet<>(known));
        blocked = Collections.unmodifiableMap(new LinkedHashMap<>(blocked));
        for (String name : blocked.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("blocked system call " + name + " is not a known system call");
            }
        }
    }

    /** The table shipped in this bundle. */
    static SyscallTable shipped() {
        Set<String> known = new TreeSet<>();
        for (String line : lines("syscalls.txt")) {
            known.add(line);
        }
        Map<String, String> blocked = new LinkedHashMap<>();
        for (String line : lines("blocked.txt")) {
            String[] parts = line.split("\\s+", 2);
            if (parts.length != 2) {
                throw new IllegalStateException("blocked.txt: \"" + line + "\" has no reason");
            }
            blocked.put(parts[0], parts[1]);
        }
        return new SyscallTable(known, blocked);
    }

    /** The calls the default profile allows without conditions: known, not blocked, not clone or clone3. */
    List<String> allowed() {
        List<String> allowed = new ArrayList<>();
        for (String name : known) {
            if (!blocked.containsKey(name) && !name.equals(CLONE) && !name.equals(CLONE3)) {
                allowed.add(name);
            }
        }
        return allowed;
    }

    private static List<String> lines(String resource) {
        List<String> lines = new ArrayList<>();
        try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the bundle");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                    lines.add(trimmed);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read " + resource, e);
        }
        return lines;
    }
}
