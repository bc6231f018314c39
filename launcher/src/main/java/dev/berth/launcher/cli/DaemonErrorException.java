package dev.berth.launcher.cli;

/**
 * Thrown when the daemon answers a request with an error status; carries the message and kind of the JSON
 * error body {@code {"message": ..., "kind": ...}}.
 */
public final class DaemonErrorException extends Exception {

    private final int status;
    private final String kind;

    /** Creates the exception from the HTTP status, the error message and the error kind (may be null). */
    public DaemonErrorException(int status, String message, String kind) {
        super(message);
        this.status = status;
        this.kind = kind;
    }

    /** The HTTP status of the answer. */
    public int status() {
        return status;
    }

    /** The error kind ({@code NOT_FOUND}, {@code INVALID}, ...), or {@code null} if the body named none. */
    public String kind() {
        return kind;
    }
}
