package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;

/**
 * What a client command works with: the daemon client, the JSON mapper and the output streams. Immutable.
 *
 * @param client the client for the daemon chosen by {@code --host}/{@code BERTH_HOST}
 * @param json   the JSON mapper
 * @param out    standard output
 * @param err    standard error
 */
record CliContext(DaemonClient client, ObjectMapper json, PrintStream out, PrintStream err) {
}
