package dev.berth.launcher.cli;

import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/** {@code berth kill [-s SIGNAL] CONTAINER...}: sends a signal (default SIGKILL) to each container's process. */
final class KillCommand extends EachContainerCommand {
    private static final Option SIGNAL = Option.value("signal", "s", "SIGNAL",
            "signal name or number (default KILL; TERM, SIGHUP and 15 work too)");

    KillCommand() {
        super("kill", "[-s SIGNAL] CONTAINER...", "send a signal to containers",
                "Send SIGNAL (default SIGKILL) to the main process of each container.", List.of(SIGNAL));
    }

    @Override
    String query(ParsedArguments args) throws UsageException {
        if (args.value("signal").isEmpty()) {
            return "";
        }
        String signal = args.value("signal").get();
        if (!signal.matches("[A-Za-z][A-Za-z0-9+-]{0,18}|[0-9]{1,2}")) {
            throw usageError("-s " + signal + ": not a signal name or number");
        }
        return "?signal=" + ContainerPaths.encode(signal);
    }

    @Override
    String apply(String container, String query, CliContext context)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        context.client().postJson(ContainerPaths.of(container, "kill") + query, Json.object());
        return container;
    }
}
