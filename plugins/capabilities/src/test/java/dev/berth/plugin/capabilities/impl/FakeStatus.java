package dev.berth.plugin.capabilities.impl;

import dev.berth.api.isolation.Capabilities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test fixture: fake {@code /proc/PID/status} files with a chosen {@code CapBnd} mask. */
final class FakeStatus {
    /** Bits 0 to 40 set: every capability Linux 5.9 and later know. */
    static final long FULL = (1L << Capabilities.names().size()) - 1;
    /** What this host's root holds: everything but CAP_SYS_RESOURCE (bit 24), 000001fffeffffff. */
    static final long THIS_HOST = FULL & ~(1L << Capabilities.bit("CAP_SYS_RESOURCE"));

    private FakeStatus() {
    }

    /** Writes a status file with {@code CapBnd: mask} among other lines into {@code dir}. */
    static Path write(Path dir, String name, long mask) {
        return write(dir, name, "Name:\tjava\nUmask:\t0022\nState:\tS (sleeping)\nCapInh:\t0000000000000000\n"
                + "CapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t" + String.format("%016x", mask)
                + "\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n");
    }

    static Path write(Path dir, String name, String text) {
        try {
            return Files.writeString(dir.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mask {@code base} without the capabilities {@code names}. */
    static long without(long base, String... names) {
        return base & ~Capabilities.encode(List.of(names));
    }

    /** Every known capability but {@code names}, sorted by name. */
    static List<String> allBut(String... names) {
        List<String> all = new ArrayList<>(Capabilities.names());
        all.removeAll(List.of(names));
        all.sort(null);
        return all;
    }
}
