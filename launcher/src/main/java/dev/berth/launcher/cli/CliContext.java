package dev.berth.launcher.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * What a client command works with: the daemon client, the output streams, standard
 * input and the environment. Immutable.
 *
 * @param client the client for the daemon chosen by {@code --host}/{@code BERTH_HOST}
 * @param out    standard output
 * @param err    standard error
 * @param in     standard input, forwarded by {@code run -i} and {@code exec -i}
 * @param env    the CLI's environment, for {@code -e NAME} without a value
 * @param caller the process that typed the command: its terminal, signals and exit
 */
record CliContext(DaemonClient client, PrintStream out, PrintStream err, InputStream in,
        Map<String, String> env, Caller caller) {
    /** A context of this JVM without standard input and with an empty environment. */
    CliContext(DaemonClient client, PrintStream out, PrintStream err) {
        this(client, out, err, InputStream.nullInputStream(), Map.of(), Caller.local());
    }

    /** The same context printing everything to standard error (progress that must not mix with output). */
    CliContext toStderr() {
        return new CliContext(client, err, err, in, env, caller);
    }
}
