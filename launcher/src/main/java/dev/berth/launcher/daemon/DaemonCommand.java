package dev.berth.launcher.daemon;

import dev.berth.launcher.ExitCodes;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The process side of {@code berth daemon}: parses the options, runs the {@link Daemon} with a shutdown hook
 * for SIGTERM and SIGINT, and ends the JVM with the daemon's exit code.
 */
public final class DaemonCommand {

    /** The command word. */
    public static final String NAME = "daemon";

    private DaemonCommand() {
    }

    /**
     * Runs the daemon and exits the JVM.
     *
     * @param args the arguments after {@code daemon}
     * @param home the distribution home
     * @param out  the real standard output, reserved for the ready line
     * @param err  standard error
     */
    public static void runAndExit(List<String> args, Path home, PrintStream out, PrintStream err) {
        DaemonOptions options;
        try {
            ParsedArguments parsed = DaemonOptions.parser().parse(args);
            if (parsed.helpRequested()) {
                out.print(DaemonOptions.USAGE);
                out.flush();
                System.exit(ExitCodes.OK);
                return;
            }
            options = DaemonOptions.of(parsed, home);
        } catch (UsageException e) {
            err.println(e.getMessage());
            err.println();
            err.print(e.usage());
            System.exit(ExitCodes.USAGE);
            return;
        }

        NativeDigests.installInBackground(err);
        Daemon daemon = new Daemon(options, home, out, err, ProcessUser::effectiveUid);
        // SIGTERM/SIGINT run this hook: it stops the daemon, waits for run() to clean up (framework stopped,
        // lock released, pid file gone) and ends the JVM with run()'s code, 0 for a clean stop.
        Thread hook = new Thread(() -> {
            int code = daemon.requestStopAndAwait();
            out.flush();
            err.flush();
            Runtime.getRuntime().halt(code);
        }, "berth-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        int code = daemon.run();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            return;   // The JVM is already shutting down: the hook ends it with this code.
        }
        out.flush();
        err.flush();
        System.exit(code);
    }
}
