package dev.berth.plugin.seccomp.impl;

import dev.berth.api.isolation.Capabilities;
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
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The system call names this module knows (resource {@code syscalls.txt}, generated from the kernel's C
 * headers), the ones the default profile blocks, each with a reason (resource {@code blocked.txt}), and
 * the blocked ones a capability unlocks, each with the capabilities and a reason (resource
 * {@code unlocks.txt}). Immutable.
 */
record SyscallTable(Set<String> known, Map<String, String> blocked, List<Unlock> unlocks) {
    /** Allowed only without namespace flags: the C library needs it for fork and threads. */
    static final String CLONE = "clone";
    /** Answered with ENOSYS: its flags sit in memory a filter cannot read, and the C library falls back to clone. */
    static final String CLONE3 = "clone3";

    /**
     * A blocked call ({@code name}) the default profile allows when the container's bounding set holds any of
     * {@code capabilities} (canonical names, in the order the call is attributed to them), and why. For
     * {@link #CLONE}, not blocked, the capability lifts the namespace-flag filter instead.
     */
    record Unlock(String name, List<String> capabilities, String reason) {
        Unlock {
            capabilities = List.copyOf(capabilities);
            if (capabilities.isEmpty()) {
                throw new IllegalArgumentException("unlocking " + name + " names no capability");
            }
            for (String capability : capabilities) {
                if (Capabilities.bit(capability) < 0) {
                    throw new IllegalArgumentException("unlocking " + name + ": " + capability + " is not a capability");
                }
            }
        }

        /** The first of {@link #capabilities} that {@code held} contains, if any. */
        Optional<String> by(Set<String> held) {
            return capabilities.stream().filter(held::contains).findFirst();
        }
    }

    SyscallTable {
        known = Collections.unmodifiableSet(new TreeSet<>(known));
        blocked = Collections.unmodifiableMap(new LinkedHashMap<>(blocked));
        unlocks = List.copyOf(unlocks);
        for (String name : blocked.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("blocked system call " + name + " is not a known system call");
            }
        }
        Set<String> seen = new TreeSet<>();
        for (Unlock unlock : unlocks) {
            if (!blocked.containsKey(unlock.name()) && !unlock.name().equals(CLONE)) {
                throw new IllegalArgumentException("unlocked system call " + unlock.name() + " is not blocked");
            }
            if (!seen.add(unlock.name())) {
                throw new IllegalArgumentException("system call " + unlock.name() + " is unlocked twice");
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
        List<Unlock> unlocks = new ArrayList<>();
        for (String line : lines("unlocks.txt")) {
            String[] parts = line.split("\\s+", 3);
            if (parts.length != 3) {
                throw new IllegalStateException("unlocks.txt: \"" + line + "\" needs a name, capabilities and a reason");
            }
            unlocks.add(new Unlock(parts[0], List.of(parts[1].split(",")), parts[2]));
        }
        return new SyscallTable(known, blocked, unlocks);
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

    /**
     * The blocked calls {@code capabilities} (a bounding set) unlock, by the capability each is attributed
     * to (the first of its capabilities held), capabilities in the order they first unlock something and
     * calls in {@code unlocks.txt} order; {@link #CLONE} among them means its namespace-flag filter is lifted.
     */
    Map<String, List<String>> unlockedBy(Set<String> capabilities) {
        Map<String, List<String>> unlocked = new LinkedHashMap<>();
        for (Unlock unlock : unlocks) {
            unlock.by(capabilities).ifPresent(c -> unlocked.computeIfAbsent(c, k -> new ArrayList<>()).add(unlock.name()));
        }
        return unlocked;
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
