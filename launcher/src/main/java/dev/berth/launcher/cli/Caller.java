package dev.berth.launcher.cli;

/**
 * The process that typed the command. The CLI runs either in that process's own JVM ({@link #local()}) or,
 * for the commands that touch nothing local ({@link CliCommand#servedInDaemon}), inside the daemon on behalf
 * of the small native client {@code bin/berth}, which relays its terminal state, its signals and its exit
 * code ({@code dev.berth.launcher.daemon.CliSocket}). Commands ask this, never {@code System.console()} or
 * {@code System.exit}, so they behave the same either way.
 */
public interface Caller {
    /** Whether the caller's standard output is a terminal (progress redraws, live stats). */
    boolean terminal();

    /** Whether this invocation runs in the daemon for a native client rather than in the caller's own JVM. */
    boolean remote();

    /** A new scope for handling signals sent to the caller (SIGINT, SIGTERM, SIGWINCH); close it to stop. */
    Signals signals();

    /**
     * Ends the invocation at once with {@code exitCode}, as when the caller gives up on an attached container
     * after the third Ctrl-C. Whatever was written before is still delivered.
     */
    void leave(int exitCode);

    /** The caller is this JVM: its console, its signals, {@link System#exit}. */
    static Caller local() {
        return Local.INSTANCE;
    }

    /** Signal handlers for one session; {@link #close()} puts the previous ones back. */
    public interface Signals extends AutoCloseable {
        /** Calls {@code action} whenever signal {@code name} ({@code INT}, {@code TERM}, {@code WINCH}) arrives;
         *  returns false when it cannot be caught. The action must not block. */
        boolean on(String name, Runnable action);

        @Override
        void close();
    }

    /** The JVM the CLI was started in. */
    enum Local implements Caller {
        INSTANCE;

        @Override
        public boolean terminal() {
            return System.console() != null;
        }

        @Override
        public boolean remote() {
            return false;
        }

        @Override
        public Signals signals() {
            return new SignalForwarding();
        }

        @Override
        public void leave(int exitCode) {
            System.exit(exitCode);
        }
    }
}
