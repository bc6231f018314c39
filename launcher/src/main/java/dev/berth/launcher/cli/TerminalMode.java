package dev.berth.launcher.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Puts the local terminal into raw mode for {@code -t} sessions with {@code stty} on {@code /dev/tty}, and
 * puts it back as it was (the saved {@code stty -g} settings, or {@code stty sane}) on {@link #close()}
 * and, should the JVM be stopped first, from a shutdown hook. Thread-safe: restoring happens once.
 */
final class TerminalMode implements AutoCloseable {
    private static final File TTY = new File("/dev/tty");

    private final String saved;
    private final Thread hook;
    private boolean restored;

    private TerminalMode(String saved) {
        this.saved = saved;
        this.hook = new Thread(this::restore, "berth-terminal-restore");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Raw mode when this process has a console, else null (output piped, or no terminal at all). */
    static TerminalMode rawIfConsole() {
        if (System.console() == null || !TTY.exists()) {
            return null;
        }
        try {
            String saved = stty("-g").strip();
            stty("raw", "-echo");
            return new TerminalMode(saved);
        } catch (IOException e) {
            return null;   // no usable terminal: go on without raw mode
        }
    }

    /** The terminal's rows and columns from {@code stty size}, or null when unknown. */
    static int[] size() {
        if (System.console() == null || !TTY.exists()) {
            return null;
        }
        try {
            String[] parts = stty("size").strip().split("\\s+");
            if (parts.length == 2) {
                return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
            }
        } catch (IOException | NumberFormatException e) {
            // unknown size
        }
        return null;
    }

    private synchronized void restore() {
        if (restored) {
            return;
        }
        restored = true;
        try {
            if (saved.isEmpty()) {
                stty("sane");
            } else {
                stty(saved);
            }
        } catch (IOException e) {
            try {
                stty("sane");
            } catch (IOException ignored) {
                // nothing more to try
            }
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down; the hook has run or runs now
        }
    }

    /** Runs {@code stty args} on /dev/tty and returns what it printed. */
    private static String stty(String... args) throws IOException {
        String[] command = new String[args.length + 1];
        command[0] = "stty";
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).redirectInput(TTY)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException("stty " + String.join(" ", args) + " failed with exit code " + process.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running stty", e);
        }
        return output;
    }
}
