package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code berth runtime ls | default NAME}: the OCI runtimes the daemon found, whether each is usable here
 * and why not, and which one new containers get; changing that default.
 */
final class RuntimeCommand extends CliCommand {
    RuntimeCommand() {
        super("runtime", "ls | default NAME", "list OCI runtimes and set the default", """
                ls              list the runtimes the daemon found (runc, crun, ...) and whether each is usable
                default NAME    make NAME the runtime of new containers (existing ones keep theirs)""",
                List.of(Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        List<String> words = args.positionals();
        String sub = words.isEmpty() ? "" : words.get(0);
        boolean json = json(args);
        switch (sub) {
            case "ls", "list" -> {
                if (words.size() != 1) {
                    throw usageError("ls takes no arguments");
                }
                print(context.client().getJson("/v1/runtimes"), json, context);
            }
            case "default" -> {
                if (words.size() != 2) {
                    throw usageError("default takes one runtime NAME");
                }
                ObjectNode body = Json.object();
                body.put("name", words.get(1));
                JsonNode answer = context.client().postJson("/v1/runtimes/default", body);
                if (json) {
                    context.out().println(Json.text(answer));
                } else {
                    context.out().println("Default runtime: " + answer.path("default").asText(words.get(1)));
                }
            }
            default -> throw usageError(sub.isEmpty() ? "missing subcommand (ls, default)"
                    : "unknown subcommand '" + sub + "' (ls, default)");
        }
        return 0;
    }

    private static void print(JsonNode answer, boolean json, CliContext context) {
        PrintStream out = context.out();
        if (json) {
            out.println(Json.text(answer));
            return;
        }
        String standard = answer.path("default").asText("");
        TextTable table = new TextTable("NAME", "DEFAULT", "VERSION", "USABLE", "REASON");
        for (JsonNode runtime : answer.path("runtimes")) {
            String name = runtime.path("name").asText("");
            table.add(name, name.equals(standard) ? "*" : "", runtime.path("version").asText("-"),
                    runtime.path("usable").asBoolean(false) ? "yes" : "no",
                    runtime.path("reason").isTextual() ? runtime.path("reason").asText() : "-");
        }
        table.print(out);
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
