package dev.berth.api;

/**
 * The small classification every Berth error carries. The API server maps it to an HTTP status and
 * the CLI to an exit code, so callers never parse messages.
 */
public enum ErrorKind {
    /** The request named something that does not exist (HTTP 404). */
    NOT_FOUND(404),
    /** The request itself is malformed or names an impossible value (HTTP 400). */
    INVALID(400),
    /** The request is valid but clashes with current state (HTTP 409). */
    CONFLICT(409),
    /** A resource the engine needs is not available now: disk full, log stopped, stage missing (HTTP 503). */
    UNAVAILABLE(503),
    /** A bug or an unexpected failure (HTTP 500). */
    INTERNAL(500);

    private final int httpStatus;

    ErrorKind(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The kind whose {@link #httpStatus()} is {@code status}, or {@code fallback} when none is. */
    public static ErrorKind forHttpStatus(int status, ErrorKind fallback) {
        for (ErrorKind kind : values()) {
            if (kind.httpStatus == status) {
                return kind;
            }
        }
        return fallback;
    }

    /** The HTTP status the API server answers with for this kind. */
    public int httpStatus() {
        return httpStatus;
    }
}
