package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.OptionParser;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@code berth plugins [-a]}: the daemon's plugins from {@code GET /v1/plugins} (with {@code -a} every bundle,
 * libraries and the engine's own included), as a table or JSON.
 */
final class PluginsCommand extends CliCommand {
    private static final Option ALL = Option.flag("all", "a", "also list the engine's own bundles, libraries and "
            + "framework bundles");
    private static final java.util.Set<String> NOT_PLUGINS = java.util.Set.of("engine", "library", "framework");

    PluginsCommand() {
        super("plugins", "[-a] [--at T] [--format json]", "list the plugins: kind, version, state, what each serves",
                "List the plugins the daemon runs, built-in and hot-deployed: kind, version, state, what each\n"
                + "provides and which stage each serves (berth plugin use swaps it). Failed plugins show why.\n"
                + "With --at, the plugins as the event log had them at T (what each provided is known only live).",
                List.of(ALL, PointInTime.OPTION, Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        noArguments(args);
        Optional<String> at = PointInTime.of(args);
        if (at.isPresent()) {
            JsonNode past = PointInTime.ask(context, "plugins", at.get(), "");
            if (json(args)) {
                context.out().println(Json.text(past));
            } else {
                render(past, args.has("all"), context.out());
            }
            return 0;
        }
        if (json(args)) {
            try (HttpResponse response = context.client().get("/v1/plugins")) {
                RawJson.print(response.readBody(), context.out());
            }
        } else {
            render(context.client().getJson("/v1/plugins"), args.has("all"), context.out());
        }
        return 0;
    }

    void render(JsonNode answer, boolean all, PrintStream out) {
        TextTable table = new TextTable("ID", "KIND", "VERSION", "STATE", "PROVIDES", "SERVES");
        List<String> failures = new ArrayList<>();
        List<JsonNode> modules = new ArrayList<>();
        for (JsonNode plugin : answer.path("plugins")) {
            if (!all && NOT_PLUGINS.contains(text(plugin, "kind")) && plugin.path("builtin").asBoolean()) {
                continue; // part of the engine, not a plugin; shown with -a
            }
            String state = plugin.path("disabled").asBoolean() && !text(plugin, "state").equals("active")
                    ? "stopped" : text(plugin, "state"); // by berth plugin stop, until berth plugin start
            if (plugin.hasNonNull("failure")) {
                state = state + " (failed)";
                failures.add(text(plugin, "id") + ": " + text(plugin, "failure"));
            }
            table.add(text(plugin, "id"), text(plugin, "kind"), text(plugin, "version"), state,
                    joined(plugin.path("provides")), joined(plugin.path("serves")));
            for (JsonNode module : plugin.path("isolation")) {
                modules.add(((com.fasterxml.jackson.databind.node.ObjectNode) module.deepCopy())
                        .put("bundle", text(plugin, "id")).put("version", text(plugin, "version")));
            }
        }
        table.print(out);
        if (!failures.isEmpty()) {
            out.println();
            out.println("Failures (the last one logged for each plugin):");
            failures.forEach(f -> out.println("  " + f));
        }
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

    private static String joined(JsonNode array) {
        StringBuilder text = new StringBuilder();
        array.forEach(item -> text.append(text.length() == 0 ? "" : ", ").append(item.asText()));
        return text.length() == 0 ? "-" : text.toString();
    }

    private static String text(JsonNode node, String field) {
        return JsonText.of(node, field);
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
