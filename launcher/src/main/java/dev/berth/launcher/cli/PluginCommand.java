package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code berth plugin install | update | stop | start | rm | use}: changes the daemon's plugins while it
 * runs. Jar paths are made absolute here and read by the daemon on this host, as {@code berth load} does.
 */
final class PluginCommand extends CliCommand {
    private static final Option FORCE = Option.flag("force", "f",
            "stop or remove a runtime plugin that still holds containers (they stay stoppable)");
    private static final Option USE = Option.flag("use", null, "install: also make the plugin serve its stage");
    private static final Option STAGE = Option.value("stage", null, "STAGE",
            "use: the stage to serve, for a plugin serving several");

    PluginCommand() {
        super("plugin", "install FILE.jar | update ID FILE.jar | stop ID | start ID | rm ID | use ID",
                "install, update, stop, start, remove or swap plugins while the engine runs", """
                install FILE.jar      add a plugin (copied into the plugins folder, started, checked)
                update ID FILE.jar    replace plugin ID with another build; its calls under way finish first
                stop ID               stop plugin ID (a runtime holding containers needs --force)
                start ID              start plugin ID again
                rm ID                 remove plugin ID (a runtime holding containers needs --force)
                use ID                make plugin ID the one that serves its stage (for a runtime: the default)

                ID is the bundle's symbolic name as berth plugins shows it. A jar that is not a bundle, or that
                needs something this engine lacks (such as another major version of Berth's SPI), is refused
                before anything is installed; a plugin that fails to start is removed again (an update is rolled
                back). Copying a jar into the daemon's plugins folder, or deleting it there, does the same as
                install, update and rm.""", List.of(FORCE, USE, STAGE, Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        List<String> words = args.positionals();
        String sub = words.isEmpty() ? "" : words.get(0);
        boolean json = json(args); // a bad --format is a usage error before anything changes
        ObjectNode body = Json.object();
        String op = switch (sub) {
            case "install" -> {
                arguments(words, 2, "install takes one FILE.jar");
                body.put("file", jar(words.get(1)));
                body.put("use", args.has("use"));
                yield "install";
            }
            case "update" -> {
                arguments(words, 3, "update takes a plugin ID and a FILE.jar");
                body.put("id", words.get(1));
                body.put("file", jar(words.get(2)));
                yield "update";
            }
            case "stop", "start", "rm", "use" -> {
                arguments(words, 2, sub + " takes one plugin ID");
                body.put("id", words.get(1));
                if (sub.equals("use")) {
                    args.value("stage").ifPresent(stage -> body.put("stage", stage));
                }
                if (!sub.equals("start") && !sub.equals("use")) {
                    body.put("force", args.has("force"));
                }
                yield sub.equals("rm") ? "remove" : sub;
            }
            default -> throw usageError(sub.isEmpty() ? "missing subcommand (install, update, stop, start, rm, use)"
                    : "unknown subcommand '" + sub + "' (install, update, stop, start, rm, use)");
        };
        JsonNode answer = context.client().postJson("/v1/plugins/" + op, body);
        if (json) {
            context.out().println(Json.text(answer));
        } else {
            render(sub, answer, context.out());
        }
        return 0;
    }

    private void arguments(List<String> words, int count, String message) throws UsageException {
        if (words.size() != count) {
            throw usageError(message);
        }
    }

    private String jar(String file) throws UsageException {
        Path path = Path.of(file).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            throw usageError(file + ": no such file");
        }
        return path.toString();
    }

    private static void render(String sub, JsonNode answer, PrintStream out) {
        if (sub.equals("use")) {
            String plugin = JsonText.of(answer, "plugin");
            if (answer.hasNonNull("runtime")) {
                out.println("Runtime " + JsonText.of(answer, "runtime") + " (" + plugin + ") is the default runtime "
                        + "of new containers; existing containers keep theirs");
            } else {
                out.println(plugin + " " + JsonText.of(answer, "version") + " serves the " + JsonText.of(answer, "stage")
                        + (answer.path("stages").size() > 1 ? " stages" : " stage")
                        + (answer.hasNonNull("from") && !answer.path("from").asText().equals(plugin)
                        ? " (was " + JsonText.of(answer, "from") + ")" : ""));
            }
            return;
        }
        String what = switch (sub) {
            case "install" -> "Installed";
            case "update" -> "Updated";
            case "stop" -> "Stopped";
            case "start" -> "Started";
            default -> "Removed";
        };
        String from = answer.hasNonNull("from") ? " (was " + JsonText.of(answer, "from") + ")" : "";
        out.println(what + " " + JsonText.of(answer, "id") + " " + JsonText.of(answer, "version") + from
                + ": " + JsonText.of(answer, "state"));
        if (answer.path("provides").size() > 0) {
            StringBuilder provides = new StringBuilder();
            answer.path("provides").forEach(p -> provides.append(provides.length() == 0 ? "" : ", ").append(p.asText()));
            out.println("Provides: " + provides);
        }
        if (answer.path("use").isObject()) {
            JsonNode use = answer.path("use");
            out.println("Serves the " + JsonText.of(use, "stage") + (use.path("stages").size() > 1 ? " stages" : " stage")
                    + " now"
                    + (use.hasNonNull("from") ? " (was " + JsonText.of(use, "from") + ")" : ""));
        }
        for (JsonNode orphan : answer.path("orphaned")) {
            out.println("Container " + JsonText.of(orphan, "name") + " (" + JsonText.of(orphan, "status")
                    + ") keeps running without its runtime plugin; berth stop still stops it");
        }
    }

    /** Not install and update, which read a jar on the caller's side. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        String sub = args.positionals().isEmpty() ? "" : args.positionals().get(0);
        return !sub.equals("install") && !sub.equals("update");
    }
}
