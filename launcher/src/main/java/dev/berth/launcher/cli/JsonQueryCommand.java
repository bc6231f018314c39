package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * A command that reads one JSON document from the daemon with {@code GET path} and either prints it raw
 * ({@code --format json}) or renders it as text. Immutable and thread-safe.
 */
abstract class JsonQueryCommand extends CliCommand {
    private final String path;

    JsonQueryCommand(String name, String summary, String description, String path) {
        super(name, "[--format json]", summary, description, List.of(Formats.OPTION));
        this.path = path;
    }

    @Override
    final int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        noArguments(args);
        if (json(args)) {
            try (HttpResponse response = context.client().get(path)) {
                RawJson.print(response.readBody(), context.out());
            }
        } else {
            render(context.client().getJson(path), context.out());
        }
        return 0;
    }

    /** Prints the answer for people. */
    abstract void render(JsonNode answer, PrintStream out);
}
