package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a container in the foreground, as {@code berth run} without {@code -d} and {@code berth start -a}
 * do: attaches first ({@code POST .../attach} names the socket), so no output is lost, then starts it,
 * copies its output (and with {@code -i} forwards standard input), and when it ends asks
 * {@code POST .../wait} for its exit code. With a terminal container and a local console the console is
 * in raw mode meanwhile and window size changes are passed on; otherwise SIGINT and SIGTERM are passed to
 * the container (Docker's sig-proxy), which ends the session when it exits. Stateless.
 */
final class ContainerAttach {
    /** Docker's exit code for a failure of the container engine itself. */
    static final int ENGINE_FAILURE = 125;
    /** The exit code of a command ended by SIGINT. */
    private static final int INTERRUPTED = 130;
    private static final int GIVE_UP_AFTER = 3;

    private ContainerAttach() {
    }

    /**
     * Attaches to container {@code id}, starts it if {@code start}, and returns its exit code, or
     * {@link #ENGINE_FAILURE} with the reason on standard error when the engine could not tell it.
     */
    static int run(CliContext context, String id, boolean start, boolean interactive, String command)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        JsonNode attach = context.client().postJson(ContainerPaths.of(id, "attach"),
                Json.object());
        if (!attach.path("socket").isTextual()) {
            throw new UnreadableAnswerException("no attach socket in the answer " + attach);
        }
        boolean tty = attach.path("tty").asBoolean(false);
        try (AttachSession session = AttachSession.connect(attach.path("socket").asText());
                Caller.Signals signals = context.caller().signals()) {
            TerminalMode raw = tty && !context.caller().remote() ? TerminalMode.rawIfConsole() : null;
            try {
                if (tty) {
                    session.resize(TerminalMode.size());
                    signals.on("WINCH", () -> background(() -> session.resize(TerminalMode.size())));
                }
                if (raw == null) {
                    proxySignals(context, id, signals);
                }
                if (start) {
                    context.client().postJson(ContainerPaths.of(id, "start"), Json.object());
                }
                if (interactive) {
                    session.forwardInput(context.in());
                }
                session.pump(context.out(), context.err());
            } finally {
                if (raw != null) {
                    raw.close();
                }
            }
        }
        return waitFor(context, id, command);
    }

    /**
     * Like Docker's sig-proxy: SIGINT (Ctrl-C) and SIGTERM go to the container, whose exit then ends the
     * session. A container that ignores them would hold the terminal, so the third one leaves it running
     * and exits 130 as an interrupted command does.
     */
    private static void proxySignals(CliContext context, String id, Caller.Signals signals) {
        AtomicInteger received = new AtomicInteger();
        for (String signal : new String[] {"INT", "TERM"}) {
            signals.on(signal, () -> {
                if (received.incrementAndGet() >= GIVE_UP_AFTER) {
                    context.err().println("berth: " + GIVE_UP_AFTER + " signals and the container is still running; "
                            + "leaving it (berth stop " + id.substring(0, Math.min(12, id.length())) + ")");
                    context.caller().leave(INTERRUPTED);
                }
                background(() -> context.client().postJson(ContainerPaths.of(id, "kill") + "?signal=" + signal,
                        Json.object()));
            });
        }
    }

    /** Work a signal handler hands off, as handlers must not block; failures are dropped. */
    private interface Task {
        void run() throws Exception;
    }

    private static void background(Task task) {
        Thread thread = new Thread(() -> {
            try {
                task.run();
            } catch (Exception e) {
                // a forwarded signal or resize that does not arrive changes nothing for the session
            }
        }, "berth-signal");
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks {@code POST .../wait} and turns the answer into an exit code. */
    static int waitFor(CliContext context, String id, String command)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        JsonNode exit = context.client().postJson(ContainerPaths.of(id, "wait"), Json.object());
        int code = exit.path("exitCode").asInt(-1);
        if (code < 0) {
            context.out().flush();
            context.err().println("berth " + command + ": exit code of " + id + " unknown: "
                    + (exit.path("reason").isTextual() ? exit.path("reason").asText() : "the engine did not say why"));
            return ENGINE_FAILURE;
        }
        return code;
    }
}
