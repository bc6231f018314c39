package dev.berth.launcher.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.berth.launcher.ExitCodes;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import dev.berth.launcher.daemon.DaemonOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The thin {@code berth} client: parses global options and the command, talks HTTP/1.1 and JSON to the daemon,
 * prints the result and returns the exit code ({@link ExitCodes}). It never loads a Felix class. Each call is
 * independent; thread-safe.
 */
public final class Cli {

    /** Environment variable naming the daemon endpoint when {@code --host} is not given. */
    public static final String HOST_ENV = "BERTH_HOST";

    /**
     * What {@link #serve} returns, before writing anything, for a command the daemon does not run for a native
     * client (it reads local files, standard input or needs the caller's terminal): the client then runs the
     * JVM CLI itself. Never a process exit code.
     */
    public static final int NOT_SERVED = -1;

    private static final Map<String, CliCommand> COMMANDS = commands();

    private Cli() {
    }

    private static Map<String, CliCommand> commands() {
        Map<String, CliCommand> commands = new LinkedHashMap<>();
        for (CliCommand command : List.of(new EventsCommand(), new ImageCommand(), new ImagesCommand(),
                new InfoCommand(), new LoadCommand(), new LoginCommand(), new NoteCommand(), new PluginsCommand(), new PluginCommand(), new PullCommand(), new AuditCommand(), new HistoryCommand(),
                new SaveCommand(), new TagCommand(), new VersionCommand(),
                new RunCommand(), new CreateCommand(), new StartCommand(), StopCommand.stop(), StopCommand.restart(),
                new KillCommand(), new RmCommand(), new PsCommand(), new ContainerInspectCommand(), new LogsCommand(),
                new WaitCommand(), new ExecCommand(), new TopCommand(), new StatsCommand(), new CapsCommand(),
                new RuntimeCommand(), new DiffCommand(), new CommitCommand(), new ExportCommand(),
                new ImportCommand(), new PushCommand())) {
            commands.put(command.name(), command);
        }
        return Map.copyOf(commands);
    }

    /** The top-level usage text. */
    public static String usage() {
        StringBuilder text = new StringBuilder("""
                Usage: berth [OPTIONS] COMMAND [ARGS...]

                Berth: a container engine built from hot-pluggable OSGi bundles and a hash-chained event log.

                Options:
                  -H, --host URI   daemon API endpoint: unix:///path or tcp://host:port
                                   (default: $BERTH_HOST, else unix:///run/berth/berth.sock);
                                   TCP is TLS with the client certificate in $BERTH_CERT_PATH
                                   (ca.pem, cert.pem, key.pem)
                  -h, --help       print this help

                Commands:
                """);
        text.append(String.format("  %-9s %s%n", "daemon", "run the Berth daemon (as root, in the foreground)"));
        for (String name : List.of("events", "info", "note", "plugins", "version")) {
            text.append(String.format("  %-9s %s%n", name, COMMANDS.get(name).summary()));
        }
        text.append(String.format("  %-9s %s%n", "help", "show help for a command"));
        text.append("\nContainers:\n");
        for (String name : List.of("run", "create", "start", "stop", "restart", "kill", "rm", "ps", "inspect", "logs",
                "wait", "exec", "top", "stats", "caps", "diff", "commit", "export", "runtime")) {
            text.append(String.format("  %-9s %s%n", name, COMMANDS.get(name).summary()));
        }
        text.append("\nImages:\n");
        for (String name : List.of("pull", "push", "images", "image", "tag", "load", "save", "import", "login")) {
            text.append(String.format("  %-9s %s%n", name, COMMANDS.get(name).summary()));
        }
        text.append("""

                Run 'berth COMMAND --help' for more information on a command.
                Exit codes: 0 ok, 1 the daemon answered with an error, 2 usage error, 3 daemon unreachable;
                run exits with the container's exit code, or 125 when the engine failed, 127 when the
                command is not in the image.
                """);
        return text.toString();
    }

    /**
     * Runs one CLI invocation.
     *
     * @param args the command line after {@code berth}
     * @param env  the environment, for {@code BERTH_HOST}
     * @param out  standard output; flushed after each streamed event
     * @param err  standard error
     * @return the exit code
     */
    public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        return run(args, env, System.in, out, err);
    }

    /**
     * Runs one CLI invocation with {@code in} as standard input (forwarded by {@code run -i} and
     * {@code exec -i}); otherwise as {@link #run(List, Map, PrintStream, PrintStream)}.
     */
    public static int run(List<String> args, Map<String, String> env, InputStream in, PrintStream out,
            PrintStream err) {
        return run(args, env, in, out, err, Caller.local());
    }

    /**
     * Runs one invocation inside the daemon for the native client {@code bin/berth}: as
     * {@link #run(List, Map, PrintStream, PrintStream)}, with no standard input and {@code caller} (a
     * {@link Caller#remote() remote} one) relaying the caller's terminal state, signals and an early exit.
     * Returns {@link #NOT_SERVED}, having written nothing, for a command the daemon does not run on a
     * caller's behalf.
     */
    public static int serve(List<String> args, Map<String, String> env, PrintStream out, PrintStream err,
            Caller caller) {
        return run(args, env, InputStream.nullInputStream(), out, err, caller);
    }

    private static int run(List<String> args, Map<String, String> env, InputStream in, PrintStream out,
            PrintStream err, Caller caller) {
        String host = null;
        int index = 0;
        while (index < args.size() && args.get(index).startsWith("-")) {
            String arg = args.get(index);
            if (arg.equals("-h") || arg.equals("--help")) {
                out.print(usage());
                return ExitCodes.OK;
            } else if (arg.equals("-H") || arg.equals("--host")) {
                if (index + 1 >= args.size()) {
                    return usageError(err, "berth: option " + arg + " needs a value (URI)", usage());
                }
                host = args.get(index + 1);
                index += 2;
            } else if (arg.startsWith("--host=")) {
                host = arg.substring("--host=".length());
                index++;
            } else {
                return usageError(err, "berth: unknown option " + arg, usage());
            }
        }
        if (index >= args.size()) {
            return usageError(err, "berth: missing command", usage());
        }
        String name = args.get(index);
        List<String> rest = args.subList(index + 1, args.size());
        if (name.equals("help")) {
            return help(rest, out, err);
        }
        if (name.equals("daemon")) {
            return usageError(err, "berth: 'daemon' takes no global options; run: berth daemon [OPTIONS]",
                    DaemonOptions.USAGE);
        }
        CliCommand command = COMMANDS.get(name);
        if (command == null) {
            return usageError(err, "berth: unknown command '" + name + "'", usage());
        }

        ParsedArguments parsed;
        try {
            parsed = command.parse(rest);
        } catch (UsageException e) {
            return usageError(err, e.getMessage(), e.usage());
        }
        if (parsed.helpRequested()) {
            out.print(command.parser().usage());
            return ExitCodes.OK;
        }
        if (caller.remote() && !command.servedInDaemon(parsed)) {
            return NOT_SERVED;
        }

        DaemonAddress address;
        String endpoint = host != null ? host : env.getOrDefault(HOST_ENV, "");
        try {
            address = DaemonAddress.parse(endpoint.isBlank() && host == null ? DaemonAddress.DEFAULT : endpoint);
        } catch (IllegalArgumentException e) {
            String source = host != null ? "--host" : HOST_ENV;
            return usageError(err, "berth: " + source + ": " + e.getMessage(), usage());
        }

        CliContext context = new CliContext(new DaemonClient(address, ClientTls.fromEnvironment(env)), out, err, in,
                env, caller);
        String prefix = "berth " + name + ": ";
        try {
            return command.run(parsed, context);
        } catch (UsageException e) {
            return usageError(err, e.getMessage(), e.usage());
        } catch (DaemonUnreachableException e) {
            out.flush();
            err.println("berth: " + e.getMessage());
            return ExitCodes.UNREACHABLE;
        } catch (DaemonErrorException e) {
            out.flush();
            err.println(prefix + e.getMessage());
            return ExitCodes.ERROR;
        } catch (JsonProcessingException e) {
            out.flush();
            err.println(prefix + "unreadable answer from the daemon: " + e.getOriginalMessage());
            return ExitCodes.ERROR;
        } catch (UnreadableAnswerException e) {
            out.flush();
            err.println(prefix + "unreadable answer from the daemon: " + e.getMessage());
            return ExitCodes.ERROR;
        } catch (IOException e) {
            out.flush();
            err.println(prefix + "lost the connection to the berth daemon at " + address.uri() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return ExitCodes.UNREACHABLE;
        } finally {
            out.flush();
        }
    }

    private static int help(List<String> topics, PrintStream out, PrintStream err) {
        if (topics.isEmpty()) {
            out.print(usage());
            return ExitCodes.OK;
        }
        String topic = topics.get(0);
        if (topic.equals("daemon")) {
            out.print(DaemonOptions.USAGE);
            return ExitCodes.OK;
        }
        CliCommand command = COMMANDS.get(topic);
        if (command == null) {
            return usageError(err, "berth help: unknown command '" + topic + "'", usage());
        }
        out.print(command.parser().usage());
        return ExitCodes.OK;
    }

    private static int usageError(PrintStream err, String message, String usage) {
        err.println(message);
        err.println();
        err.print(usage);
        return ExitCodes.USAGE;
    }
}
