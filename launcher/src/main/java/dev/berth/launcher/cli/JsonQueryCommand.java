package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.Option;
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
        this(name, "[--format json]", summary, description, path, List.of(Formats.OPTION));
    }

    JsonQueryCommand(String name, String usage, String summary, String description, String path, List<Option> options) {
        super(name, usage, summary, description, options);
        this.path = path;
    }

    /** The request target for these arguments; by default the fixed path. */
    String path(ParsedArguments args, CliContext context) {
        return path;
    }

    @Override
    final int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        noArguments(args);
        if (json(args)) {
            try (HttpResponse response = context.client().get(path(args, context))) {
                RawJson.print(response.readBody(), context.out());
            }
        } else {
            render(context.client().getJson(path(args, context)), context.out());
        }
        return 0;
    }

    /** Prints the answer for people. */
    abstract void render(JsonNode answer, PrintStream out);

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
