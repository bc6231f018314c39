package dev.berth.launcher;

/** The process exit codes of {@code berth}, shared by the CLI and the daemon. */
public final class ExitCodes {
    /** The command succeeded (the daemon stopped cleanly). */
    public static final int OK = 0;
    /** The daemon answered with an error, or the daemon could not start or failed. */
    public static final int ERROR = 1;
    /** The command line was wrong: unknown command or option, missing or bad value. */
    public static final int USAGE = 2;
    /** No daemon answered at the API endpoint. */
    public static final int UNREACHABLE = 3;

    private ExitCodes() {
    }
}
