package dev.berth.launcher;

import dev.berth.launcher.cli.Cli;
import dev.berth.launcher.daemon.DaemonCommand;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of {@code bin/berth}: {@code berth daemon ...} boots Felix with the built-in bundles, every
 * other command is the thin HTTP client, which never loads a Felix class.
 */
public final class Main {

    private Main() {
    }

    /** Dispatches on the first argument and exits with the command's exit code. */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals(DaemonCommand.NAME)) {
            // Only the ready line goes to stdout; everything else the framework, FileInstall or a bundle
            // prints on System.out is sent to stderr, so scripts can wait for that one line.
            PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
            PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
            System.setOut(stderr);
            DaemonCommand.runAndExit(Arrays.asList(args).subList(1, args.length), LauncherHome.locate(), stdout, stderr);
            return;
        }
        // Buffered; commands flush where output must appear at once (each streamed event).
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 8192),
                false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int code = Cli.run(List.of(args), System.getenv(), out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
