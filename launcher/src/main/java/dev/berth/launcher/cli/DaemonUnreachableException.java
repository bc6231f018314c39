package dev.berth.launcher.cli;

/** Thrown when no daemon answers at the API endpoint: no socket, connection refused, unknown host. */
public final class DaemonUnreachableException extends Exception {

    private final DaemonAddress address;
    private final String reason;

    /** Creates the exception for {@code address} with a short lowercase reason ({@code no such socket}). */
    public DaemonUnreachableException(DaemonAddress address, String reason, Throwable cause) {
        super("cannot reach the berth daemon at " + address.uri() + " (" + reason + "); start one with: berth daemon",
                cause);
        this.address = address;
        this.reason = reason;
    }

    /** The endpoint that did not answer. */
    public DaemonAddress address() {
        return address;
    }

    /** The short reason, e.g. {@code connection refused}. */
    public String reason() {
        return reason;
    }
}
