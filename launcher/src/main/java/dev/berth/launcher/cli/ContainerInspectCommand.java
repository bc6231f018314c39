package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.berth.launcher.ExitCodes;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code berth inspect CONTAINER...}: every container's full record from {@code GET /v1/containers/{id}}
 * as one pretty-printed JSON array. Containers the daemon does not know are reported on standard error
 * and the command exits {@link ExitCodes#ERROR}, after printing the others.
 */
final class ContainerInspectCommand extends ContainerCommand {
    ContainerInspectCommand() {
        super("inspect", "[--at T] CONTAINER...", "show containers' full records as JSON",
                "Print the full record of each container (options, state, rootfs, bundle, log path) as a JSON array;\n"
                        + "with --at, the record as the event log had it at T.", List.of(PointInTime.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().isEmpty()) {
            throw usageError("missing CONTAINER");
        }
        ArrayNode all = Json.array();
        int code = ExitCodes.OK;
        for (String container : args.positionals()) {
            try {
                Optional<String> at = PointInTime.of(args);
                all.add(at.isPresent() ? PointInTime.ask(context, "inspect", at.get(), "&id="
                        + ContainerPaths.encode(container)).path("container")
                        : context.client().getJson(ContainerPaths.of(container, "")));
            } catch (DaemonErrorException e) {
                context.err().println("berth inspect: " + e.getMessage());
                code = ExitCodes.ERROR;
            }
        }
        context.out().println(Json.pretty(all));
        return code;
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
