package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code berth export -o FILE CONTAINER}: the container's whole filesystem as one tar, written by the
 * daemon at FILE on its host ({@code POST .../export}).
 */
final class ExportCommand extends ContainerCommand {
    private static final Option OUTPUT = Option.value("output", "o", "FILE", "the tar to write");

    ExportCommand() {
        super("export", "-o FILE CONTAINER", "write a container's filesystem to a tar",
                "Write CONTAINER's whole root filesystem (its image's layers with its changes on top) as\n"
                        + "one tar at FILE, entries sorted, numeric owners.",
                List.of(OUTPUT, Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().size() != 1) {
            throw usageError("expected one CONTAINER, got " + args.positionals().size());
        }
        String output = args.value("output").orElseThrow(() -> usageError(
                "missing -o FILE (the daemon writes the tar on its host)"));
        Path target = Path.of(output).toAbsolutePath().normalize();
        JsonNode answer = context.client().postJson(ContainerPaths.of(args.positionals().get(0), "export"),
                Json.object().put("target", target.toString()));
        if (json(args)) {
            context.out().println(answer);
        } else {
            context.out().println("Exported " + answer.path("entries").asLong() + " entries ("
                    + Sizes.human(answer.path("bytes").asLong()) + ") to " + answer.path("target").asText());
        }
        return 0;
    }
}
