package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.BerthVersion;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/** {@code berth version}: the client's version, then the daemon's from {@code GET /v1/version}. */
final class VersionCommand extends CliCommand {

    VersionCommand() {
        super("version", "", "show the client and server versions",
                "Show the client and server versions. The client part is printed even when no daemon answers.",
                List.of());
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        noArguments(args);
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
        return JsonText.of(node, field);
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
