package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.OptionParser;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/** {@code berth plugins}: the daemon's bundles and plugins from {@code GET /v1/plugins}, as a table or JSON. */
final class PluginsCommand implements CliCommand {

    private static final String USAGE = """
            Usage: berth plugins [--format json]

            List the bundles the daemon runs: built-ins and hot-deployed plugins.

            Options:
            """ + OptionParser.describe(List.of(Formats.OPTION));

    private final OptionParser parser = new OptionParser("berth plugins", USAGE, List.of(Formats.OPTION));

    @Override
    public String name() {
        return "plugins";
    }

    @Override
    public String summary() {
        return "list the bundles and plugins the daemon runs";
    }

    @Override
    public OptionParser parser() {
        return parser;
    }

    @Override
    public int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (!args.positionals().isEmpty()) {
            throw new UsageException("berth plugins: unexpected argument '" + args.positionals().get(0) + "'", USAGE);
        }
        boolean json = Formats.json(args, "berth plugins", USAGE);
        if (json) {
            try (HttpResponse response = context.client().get("/v1/plugins")) {
                RawJson.print(response.readBody(), context.out());
            }
            return 0;
        }
        JsonNode answer = context.client().getJson("/v1/plugins");
        TextTable table = new TextTable("ID", "KIND", "VERSION", "STATE", "BUNDLE");
        for (JsonNode plugin : answer.path("plugins")) {
            table.add(text(plugin, "id"), text(plugin, "kind"), text(plugin, "version"), text(plugin, "state"),
                    text(plugin, "bundleId"));
        }
        table.print(context.out());
        return 0;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? "-" : value.asText();
    }
}
