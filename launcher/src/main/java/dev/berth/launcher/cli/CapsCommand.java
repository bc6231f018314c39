package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code berth caps CONTAINER}: the capability sets of a running container's process, read from
 * {@code /proc/PID/status} and decoded into names as {@code capsh --decode} does, side by side with what
 * the container's spec asked for and the isolation module that set it.
 */
final class CapsCommand extends ContainerCommand {
    CapsCommand() {
        super("caps", "CONTAINER", "show a container's capabilities",
                "Show the bounding, effective, permitted, inheritable and ambient capability sets of CONTAINER's "
                        + "process, decoded from /proc/PID/status, beside what its spec asked for.", List.of());
    }

    @Override
    int run(ParsedArguments args, CliContext context) throws UsageException, IOException, DaemonUnreachableException,
            DaemonErrorException {
        if (args.positionals().size() != 1) {
            throw usageError("expected one CONTAINER, got " + args.positionals().size());
        }
        print(context.client().getJson(ContainerPaths.of(args.positionals().get(0), "caps")), context.out());
        return 0;
    }

    static void print(JsonNode answer, PrintStream out) {
        out.println("Container: " + answer.path("name").asText() + " (" + answer.path("id").asText().substring(0,
                Math.min(12, answer.path("id").asText().length())) + "), pid " + answer.path("pid").asInt());
        TextTable table = new TextTable("SET", "MASK", "MATCHES SPEC", "CAPABILITIES");
        for (String set : List.of("bounding", "effective", "permitted", "inheritable", "ambient")) {
            JsonNode node = answer.path("sets").path(set);
            List<String> names = texts(node.path("names"));
            List<String> asked = texts(node.path("asked"));
            String match = Set.copyOf(names).equals(Set.copyOf(asked)) ? "yes" : "NO: spec asked "
                    + (asked.isEmpty() ? "none" : String.join(",", shortNames(asked)));
            table.add(set, node.path("mask").asText(), match, names.isEmpty() ? "-" : String.join(",", shortNames(names)));
        }
        table.print(out);
        out.println("no_new_privs: " + (answer.path("noNewPrivs").asBoolean() ? 1 : 0) + " (spec asked "
                + (answer.path("noNewPrivsAsked").asBoolean() ? 1 : 0) + ")");
        for (JsonNode by : answer.path("setBy")) {
            out.println("Set by isolation module " + by.path("module").asText() + " " + by.path("version").asText("")
                    + " (" + by.path("field").asText() + "): " + by.path("reason").asText());
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    /** {@code CAP_NET_RAW} as {@code net_raw}, as capsh prints them (lowercase, without the prefix). */
    private static List<String> shortNames(List<String> names) {
        Set<String> out = new LinkedHashSet<>();
        for (String name : names) {
            out.add((name.startsWith("CAP_") ? name.substring(4) : name).toLowerCase(java.util.Locale.ROOT));
        }
        return new ArrayList<>(out);
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
