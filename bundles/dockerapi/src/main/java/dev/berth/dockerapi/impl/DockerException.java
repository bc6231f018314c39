package dev.berth.dockerapi.impl;

/**
 * A Docker API call refused with an HTTP status and a message, answered as {@code {"message": ...}}.
 * Immutable.
 */
final class DockerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    DockerException(int status, String message) {
        super(message);
        this.status = status;
    }

    DockerException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** A 400: the request itself is wrong. */
    static DockerException invalid(String message) {
        return new DockerException(400, message);
    }

    /** A 404: the request names an object that does not exist. */
    static DockerException notFound(String message) {
        return new DockerException(404, message);
    }

    /** A 501: a call, or an option of one, Berth does not implement. */
    static DockerException notImplemented(String message) {
        return new DockerException(501, message);
    }

    /** The HTTP status to answer with. */
    int status() {
        return status;
    }
}
