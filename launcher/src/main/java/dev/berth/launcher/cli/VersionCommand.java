package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.BerthVersion;
import dev.berth.launcher.OptionParser;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/** {@code berth version}: the client's version, then the daemon's from {@code GET /v1/version}. */
final class VersionCommand implements CliCommand {

    private static final String USAGE = """
            Usage: berth version

            Show the client and server versions. The client part is printed even when no daemon answers.

            Options:
            """ + OptionParser.describe(List.of());

    private final OptionParser parser = new OptionParser("berth version", USAGE, List.of());

    @Override
    public String name() {
        return "version";
    }

    @Override
    public String summary() {
        return "show the client and server versions";
    }

    @Override
    public OptionParser parser() {
        return parser;
    }

    @Override
    public int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (!args.positionals().isEmpty()) {
            throw new UsageException("berth version: unexpected argument '" + args.positionals().get(0) + "'", USAGE);
        }
        new KeyValueSection("Client")
                .add("Version", BerthVersion.get())
                .add("API version", BerthVersion.API_VERSION)
                .add("Java", System.getProperty("java.version"))
                .add("OS/Arch", System.getProperty("os.name") + "/" + System.getProperty("os.arch"))
                .print(context.out());
        context.out().flush();

        JsonNode server = context.client().getJson("/v1/version");
        context.out().println();
        new KeyValueSection("Server")
                .add("Version", text(server, "version"))
                .add("API version", text(server, "apiVersion"))
                .add("Java", text(server, "java"))
                .add("OS/Arch", text(server, "os") + "/" + text(server, "arch"))
                .add("Kernel", text(server, "kernel"))
                .print(context.out());
        return 0;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? "unknown" : value.asText();
    }
}
