package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.OptionParser;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
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
        List<JsonNode> modules = new ArrayList<>();
        for (JsonNode plugin : answer.path("plugins")) {
            table.add(text(plugin, "id"), text(plugin, "kind"), text(plugin, "version"), text(plugin, "state"),
                    text(plugin, "bundleId"));
            for (JsonNode module : plugin.path("isolation")) {
                modules.add(((com.fasterxml.jackson.databind.node.ObjectNode) module.deepCopy())
                        .put("bundle", text(plugin, "id")).put("version", text(plugin, "version")));
            }
        }
        table.print(out);
        if (modules.isEmpty()) {
            return;
        }
        modules.sort(Comparator.comparingInt((JsonNode m) -> m.path("order").asInt(Integer.MAX_VALUE))
                .thenComparing(m -> m.path("id").asText()));
        out.println();
        out.println("Isolation modules, in the order they run:");
        TextTable isolation = new TextTable("ORDER", "MODULE", "DEFAULT", "VERSION", "BUNDLE");
        for (JsonNode module : modules) {
            String on = module.path("defaultOn").asBoolean() ? "on" : "off";
            isolation.add(text(module, "order"), text(module, "id"),
                    module.path("configured").asBoolean() ? on + " (configured)" : on,
                    text(module, "version"), text(module, "bundle"));
        }
        isolation.print(out);
    }

    private static String text(JsonNode node, String field) {
        return JsonText.of(node, field);
    }
}
