package dev.berth.api.container;

import java.util.Objects;

/**
 * One path a container changed against its image, as {@code docker diff} shows it: added, changed or
 * deleted. {@code path} is absolute inside the container ({@code /etc/hosts}). Immutable.
 */
public record FileChange(String path, Kind kind) {
    /** What happened to the path; {@link #letter()} is the one {@code diff} prints. */
    public enum Kind {
        ADDED("A"), CHANGED("C"), DELETED("D");

        private final String letter;

        Kind(String letter) {
            this.letter = letter;
        }

        /** {@code A}, {@code C} or {@code D}. */
        public String letter() {
            return letter;
        }
    }

    public FileChange {
        Objects.requireNonNull(kind, "kind");
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("a changed path must be absolute, got " + path);
        }
    }
}
