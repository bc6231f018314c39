package dev.berth.plugin.seccomp.impl;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A host architecture as seccomp names it: the {@code nativeArch} ({@code SCMP_ARCH_X86_64}), the
 * architectures a profile covers on it ({@code architectures}, native first, then the compatibility modes
 * the kernel also runs), and Go's name for it ({@code goArch}, used by Docker profiles'
 * {@code includes.arches}). Immutable.
 */
record HostArch(String goArch, String nativeArch, List<String> architectures) {
    static final HostArch X86_64 = new HostArch("amd64", "SCMP_ARCH_X86_64",
            List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"));
    static final HostArch AARCH64 = new HostArch("arm64", "SCMP_ARCH_AARCH64",
            List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"));

    HostArch {
        architectures = List.copyOf(architectures);
    }

    /** The architecture for Java's {@code os.arch} value; empty for one this module has no profile for. */
    static Optional<HostArch> of(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> Optional.of(X86_64);
            case "aarch64", "arm64" -> Optional.of(AARCH64);
            default -> Optional.empty();
        };
    }

    /** The architecture of the machine this JVM runs on. */
    static Optional<HostArch> current() {
        return of(System.getProperty("os.arch", ""));
    }
}
