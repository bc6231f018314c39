package dev.berth.launcher.daemon;

/**
 * Thrown when the daemon cannot start or must stop; its message is the one line printed after
 * {@code berth daemon: }, naming what failed and why.
 */
public final class DaemonException extends Exception {

    /** Creates the exception with its one-line message. */
    public DaemonException(String message) {
        super(message);
    }

    /** Creates the exception with its one-line message and the cause. */
    public DaemonException(String message, Throwable cause) {
        super(message, cause);
    }
}
