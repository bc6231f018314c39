package dev.berth.plugin.capabilities.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Capabilities;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The capabilities the engine's own process may still hand on: the {@code CapBnd} mask of a
 * {@code /proc/PID/status} file, as names. A container can never hold a capability outside this set (the
 * runtime inherits it), so the module grants nothing beyond it. Immutable.
 */
record EngineBoundingSet(Path source, long mask) {
    /** Where the engine reads its own bounding set. */
    static final Path SELF_STATUS = Path.of("/proc/self/status");

    /** Reads the {@code CapBnd} line of {@code status}; a missing or unreadable file is UNAVAILABLE. */
    static EngineBoundingSet read(Path status) throws BerthException {
        List<String> lines;
        try {
            lines = Files.readAllLines(status, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "read the engine's capability bounding set: " + status
                    + ": " + e.getMessage(), e);
        }
        for (String line : lines) {
            if (line.startsWith("CapBnd:")) {
                String hex = line.substring("CapBnd:".length()).trim();
                try {
                    return new EngineBoundingSet(status, Capabilities.parseMask(hex));
                } catch (NumberFormatException e) {
                    throw new BerthException(ErrorKind.UNAVAILABLE, "read the engine's capability bounding set: "
                            + status + ": CapBnd \"" + hex + "\" is not a hexadecimal mask", e);
                }
            }
        }
        throw new BerthException(ErrorKind.UNAVAILABLE, "read the engine's capability bounding set: " + status
                + " has no CapBnd line");
    }

    /** Whether the engine holds the capability {@code name} (canonical). */
    boolean holds(String name) {
        int bit = Capabilities.bit(name);
        return bit >= 0 && (mask & (1L << bit)) != 0;
    }

    /** The known capabilities the engine holds, in bit order. */
    List<String> held() {
        List<String> held = new ArrayList<>();
        for (String name : Capabilities.names()) {
            if (holds(name)) {
                held.add(name);
            }
        }
        return held;
    }

    /** The known capabilities the engine does not hold, in bit order. */
    List<String> lacking() {
        List<String> lacking = new ArrayList<>(Capabilities.names());
        lacking.removeAll(held());
        return lacking;
    }
}
