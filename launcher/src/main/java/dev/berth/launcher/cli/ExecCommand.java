package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.ExitCodes;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * {@code berth exec [-d] [-i] [-t] [-u USER] [-e K=V]... [-w DIR] CONTAINER CMD...}: runs one more
 * process in a running container ({@code POST .../exec}); unless {@code -d}, attaches to its socket,
 * sends the start frame the process waits for, copies its output and exits with its exit code. Options
 * end at CONTAINER.
 */
final class ExecCommand extends CommandLineCommand {
    private static final Option DETACH = Option.flag("detach", "d", "run in the background; print nothing");
    private static final Option ENV = Option.repeated("env", "e", "K[=V]",
            "set an environment variable; K alone takes K's value from this shell (left out if unset)");
    private static final Option USER = Option.value("user", "u", "USER[:GROUP]", "user name or uid[:gid] to run as");
    private static final Option WORKDIR = Option.value("workdir", "w", "DIR", "working directory inside the container");

    ExecCommand() {
        super("exec", "[-d] [-i] [-t] [-u USER] [-e K=V]... [-w DIR] CONTAINER COMMAND [ARG...]",
                "run a command in a running container",
                "Run COMMAND in a running CONTAINER and exit with its exit code. Options end at CONTAINER.",
                List.of(DETACH, RunArguments.INTERACTIVE, RunArguments.TTY, USER, ENV, WORKDIR));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        List<String> words = args.positionals();
        if (words.size() < 2) {
            throw usageError(words.isEmpty() ? "missing CONTAINER and COMMAND" : "missing COMMAND");
        }
        ObjectNode body = body(args, context);
        boolean detach = args.has("detach");
        JsonNode exec = context.client().postJson(ContainerPaths.of(words.get(0), "exec"), body);
        if (detach) {
            return ExitCodes.OK;
        }
        if (!exec.path("socket").isTextual()) {
            throw new UnreadableAnswerException("no attach socket in the answer " + exec);
        }
        JsonNode exit;
        try (AttachSession session = AttachSession.connect(exec.path("socket").asText())) {
            TerminalMode raw = args.has("tty") ? TerminalMode.rawIfConsole() : null;
            try {
                if (args.has("tty")) {
                    session.resize(TerminalMode.size());
                }
                session.send(AttachFrame.START, new byte[0]);
                if (args.has("interactive")) {
                    session.forwardInput(context.in());
                }
                exit = session.pump(context.out(), context.err());
            } finally {
                if (raw != null) {
                    raw.close();
                }
            }
        }
        if (exit == null || !exit.path("exitCode").isIntegralNumber() || exit.path("exitCode").asInt() < 0) {
            context.out().flush();
            context.err().println("berth exec: " + (exit == null
                    ? "the process's attach socket closed before it reported an exit code"
                    : "the process's exit code is unknown: " + exit));
            return ExitCodes.ERROR;
        }
        return exit.path("exitCode").asInt();
    }

    /** The body of {@code POST .../exec} for the parsed arguments. */
    ObjectNode body(ParsedArguments args, CliContext context) throws UsageException {
        ObjectNode body = Json.object();
        List<String> words = args.positionals();
        ArrayNode command = body.putArray("args");
        words.subList(1, words.size()).forEach(command::add);
        ArrayNode env = body.putArray("env");
        try {
            for (String flag : args.values("env")) {
                String entry = RunArguments.entry(flag, context.env(), "-e " + flag);
                if (entry != null) {
                    env.add(entry);
                }
            }
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        args.value("workdir").ifPresent(dir -> body.put("workingDir", dir));
        args.value("user").ifPresent(user -> body.put("user", user));
        body.put("tty", args.has("tty"));
        body.put("stdin", args.has("interactive"));
        body.put("detach", args.has("detach"));
        return body;
    }

    /** Not with standard input or a terminal: those are the caller's. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return !args.has("interactive") && !args.has("tty");
    }
}
