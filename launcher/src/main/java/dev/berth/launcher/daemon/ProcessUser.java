package dev.berth.launcher.daemon;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the effective user id of this process. Stateless; thread-safe. */
public final class ProcessUser {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessUser() {
    }

    /**
     * The effective uid: the second field of the {@code Uid:} line of {@code /proc/self/status}, or the real
     * uid from the JDK where {@code /proc} is not mounted.
     */
    public static long effectiveUid() {
        try {
            return effectiveUid(Files.readAllLines(STATUS));
        } catch (IOException | IllegalArgumentException e) {
            return new UnixSystem().getUid();
        }
    }

    /** Parses the effective uid from the lines of a {@code /proc/<pid>/status} file. */
    static long effectiveUid(List<String> statusLines) {
        for (String line : statusLines) {
            if (line.startsWith("Uid:")) {
                String[] fields = line.substring(4).trim().split("\\s+");
                if (fields.length >= 2) {
                    return Long.parseLong(fields[1]);
                }
            }
        }
        throw new IllegalArgumentException("no Uid line in /proc/self/status");
    }
}
