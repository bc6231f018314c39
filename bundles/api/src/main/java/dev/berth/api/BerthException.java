package dev.berth.api;

import java.util.Objects;

/**
 * The checked root of every error Berth reports. The message names the action and what went wrong
 * ("append event: no space left on device"); the cause is kept.
 */
public class BerthException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;

    public BerthException(ErrorKind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public BerthException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** How callers should classify this error. */
    public ErrorKind kind() {
        return kind;
    }
}
