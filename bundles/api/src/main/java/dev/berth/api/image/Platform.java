package dev.berth.api.image;

import java.util.Locale;
import java.util.Objects;

/**
 * An image platform {@code os/architecture[/variant]} as OCI indexes list them. Immutable.
 */
public record Platform(String os, String architecture, String variant) {

    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        if (os.isBlank() || architecture.isBlank()) {
            throw new IllegalArgumentException("platform needs an os and an architecture");
        }
        variant = variant == null || variant.isBlank() ? null : variant;
    }

    /** Parses {@code linux/amd64} or {@code linux/arm64/v8}. */
    public static Platform parse(String text) {
        String[] parts = text.split("/", -1);
        if (parts.length < 2 || parts.length > 3 || java.util.Arrays.stream(parts).anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("platform \"" + text + "\" is not os/arch[/variant]");
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    }

    /** The platform of the machine Berth runs on, named the way OCI names them. */
    public static Platform host() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String architecture = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            default -> arch;
        };
        return new Platform("linux", architecture, architecture.equals("arm64") ? "v8" : null);
    }

    /** Whether an index entry with these fields serves this platform; a missing variant matches any. */
    public boolean matches(String entryOs, String entryArchitecture, String entryVariant) {
        return os.equals(entryOs) && architecture.equals(entryArchitecture)
                && (variant == null || entryVariant == null || variant.equals(entryVariant));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
