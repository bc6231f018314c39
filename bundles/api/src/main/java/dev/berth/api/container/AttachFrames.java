package dev.berth.api.container;

/**
 * The framing on a container's or exec's attach socket (a Unix stream socket made by the runtime's
 * monitor), in both directions: an 8-byte header {@code [type][0][0][0][length: 4 bytes big-endian]}
 * then {@code length} bytes of payload; the output types match Docker's multiplexed stream. A client
 * sends {@link #STDIN}, {@link #STDIN_CLOSE}, {@link #RESIZE} and {@link #START}; the monitor sends
 * {@link #STDOUT}, {@link #STDERR} and last {@link #EXIT}, then closes. A monitor that waits for
 * {@link #START} to create a container answers the client that sent it with {@link #STARTED}.
 */
public final class AttachFrames {
    /** Client to monitor: bytes for the process's standard input. */
    public static final int STDIN = 0;
    /** Monitor to client: standard output (all output with a terminal). */
    public static final int STDOUT = 1;
    /** Monitor to client: standard error. */
    public static final int STDERR = 2;
    /** Client to monitor: close the process's standard input (end of file). */
    public static final int STDIN_CLOSE = 3;
    /** Client to monitor: terminal size, payload rows then columns, 2 bytes big-endian each. */
    public static final int RESIZE = 4;
    /** Monitor to client: the process ended; payload the exit file's JSON {"exitCode","signal","finishedAt"}. */
    public static final int EXIT = 5;
    /**
     * Client to monitor: start a process that waits for its client (an exec with waitForAttach, or a
     * container whose monitor runs the runtime only when asked to start it).
     */
    public static final int START = 6;
    /**
     * Monitor to the client that sent {@link #START} to a waiting container: {@code ok PID} once the
     * runtime started its process, or {@code error MESSAGE} (the monitor then ends without an exit).
     */
    public static final int STARTED = 7;
    /** The header length in bytes. */
    public static final int HEADER = 8;

    private AttachFrames() {
    }
}
