package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.OptionParser;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.PrintStream;
import java.util.List;

/** {@code berth plugins}: the daemon's bundles and plugins from {@code GET /v1/plugins}, as a table or JSON. */
final class PluginsCommand extends JsonQueryCommand {

    PluginsCommand() {
        super("plugins", "list the bundles and plugins the daemon runs",
                "List the bundles the daemon runs: built-ins and hot-deployed plugins.", "/v1/plugins");
    }

    @Override
    void render(JsonNode answer, PrintStream out) {
        TextTable table = new TextTable("ID", "KIND", "VERSION", "STATE", "BUNDLE");
        for (JsonNode plugin : answer.path("plugins")) {
            table.add(text(plugin, "id"), text(plugin, "kind"), text(plugin, "version"), text(plugin, "state"),
                    text(plugin, "bundleId"));
        }
        table.print(out);
    }

    private static String text(JsonNode node, String field) {
        return JsonText.of(node, field);
    }
}
