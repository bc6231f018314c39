package dev.berth.plugin.spec.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the spec depends on from the host: the {@code resolv.conf} to copy ({@code resolvConf}) and its
 * text ({@code resolvConfText}, null when the host has none), whether SELinux and AppArmor are on, and
 * this process's hard limit on open files ({@code nofileHard}, empty when unknown, {@link Long#MAX_VALUE}
 * when unlimited). Read by {@link #probe} for each spec; tests build their own. Immutable.
 */
record HostFacts(Path resolvConf, String resolvConfText, boolean selinux, boolean apparmor,
        OptionalLong nofileHard) {
    /** The usual host files. */
    static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");
    static final Path LIMITS = Path.of("/proc/self/limits");
    static final Path SELINUX = Path.of("/sys/fs/selinux");
    static final Path APPARMOR = Path.of("/sys/module/apparmor/parameters/enabled");

    /** Reads the host now; {@code resolvConf} is the file to copy into containers. */
    static HostFacts probe(Path resolvConf) {
        Optional<String> resolv = readText(resolvConf);
        boolean apparmor = readText(APPARMOR).map(s -> s.strip().startsWith("Y")).orElse(false);
        return new HostFacts(resolvConf, resolv.orElse(null), Files.isDirectory(SELINUX), apparmor,
                readText(LIMITS).map(HostFacts::nofileHardLimit).orElse(OptionalLong.empty()));
    }

    /**
     * The hard "Max open files" limit from a {@code /proc/<pid>/limits} text; {@link Long#MAX_VALUE} for
     * "unlimited", empty when the line is missing or unreadable.
     */
    static OptionalLong nofileHardLimit(String limits) {
        for (String line : limits.split("\n")) {
            if (!line.startsWith("Max open files")) {
                continue;
            }
            String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
            if (fields.length < 2) {
                return OptionalLong.empty();
            }
            if (fields[1].equals("unlimited")) {
                return OptionalLong.of(Long.MAX_VALUE);
            }
            try {
                return OptionalLong.of(Long.parseLong(fields[1]));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    private static Optional<String> readText(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
