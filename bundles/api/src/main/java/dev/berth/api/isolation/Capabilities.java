package dev.berth.api.isolation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Linux capability names and bit numbers ({@code CAP_CHOWN} is bit 0, {@code CAP_CHECKPOINT_RESTORE} bit
 * 40), to parse what users type ({@code net_admin}, {@code CAP_NET_ADMIN}) and to decode the masks in
 * {@code /proc/PID/status} the way {@code capsh --decode} does. Stateless.
 */
public final class Capabilities {
    /** Capability names by bit number, as in linux/capability.h. */
    private static final List<String> NAMES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
            "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
            "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
            "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
            "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
            "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
            "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

    private Capabilities() {
    }

    /** Every capability name known here, by bit number. */
    public static List<String> names() {
        return NAMES;
    }

    /** The canonical name ({@code CAP_NET_ADMIN}) for what a user typed, any case, with or without CAP_. */
    public static Optional<String> canonical(String typed) {
        String upper = typed.trim().toUpperCase(Locale.ROOT);
        String name = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
        return NAMES.contains(name) ? Optional.of(name) : Optional.empty();
    }

    /** The bit number of a canonical name, or -1. */
    public static int bit(String name) {
        return NAMES.indexOf(name);
    }

    /**
     * The names of the bits set in {@code mask}, lowest bit first; a bit beyond the known names is shown
     * as {@code cap_N}, as capsh does.
     */
    public static List<String> decode(long mask) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((mask & (1L << bit)) != 0) {
                names.add(bit < NAMES.size() ? NAMES.get(bit) : "cap_" + bit);
            }
        }
        return names;
    }

    /** The mask of a line such as {@code CapEff:\t00000000a80425fb}'s hexadecimal value. */
    public static long parseMask(String hex) {
        return Long.parseUnsignedLong(hex.trim(), 16);
    }

    /** The mask with the bits of {@code names} set; unknown names are refused. */
    public static long encode(List<String> names) {
        long mask = 0;
        for (String name : names) {
            int bit = bit(name);
            if (bit < 0) {
                throw new IllegalArgumentException("unknown capability " + name);
            }
            mask |= 1L << bit;
        }
        return mask;
    }
}
