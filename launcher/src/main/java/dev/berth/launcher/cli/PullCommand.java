package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.ExitCodes;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code berth pull REF}: asks the daemon to pull and expand an image with {@code POST /v1/images/pull},
 * printing a line each time a layer changes state (downloading, verified, cached, expanding, expanded),
 * then the image's digest.
 */
final class PullCommand extends CliCommand {
    private static final Option PLATFORM = Option.value("platform", null, "OS/ARCH[/VARIANT]",
            "the platform to pick from a multi-platform image (default: this machine's)");
    private static final Option INSECURE = Option.repeated("insecure-registry", null, "HOST[:PORT]",
            "allow plain HTTP to this registry (registries on 127.0.0.0/8 always are)");

    PullCommand() {
        super("pull", "[--platform OS/ARCH] [--insecure-registry HOST]... REF", "pull an image from a registry",
                "Pull an image (REF like busybox, 127.0.0.1:5000/busybox:latest or name@sha256:...),\n"
                        + "verify every blob, and expand its layers into snapshots.",
                List.of(PLATFORM, INSECURE, Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().size() != 1) {
            throw usageError("expected one image reference, got " + args.positionals().size());
        }
        boolean json = json(args);
        ObjectNode body = context.json().createObjectNode();
        body.put("reference", args.positionals().get(0));
        args.value("platform").ifPresent(p -> body.put("platform", p));
        ArrayNode insecure = body.putArray("insecure");
        args.values("insecure-registry").forEach(insecure::add);
        PrintStream out = context.out();
        Map<String, String> shown = new HashMap<>();
        try (HttpResponse response = context.client().post("/v1/images/pull", body)) {
            String line;
            while ((line = response.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode update = context.json().readTree(line);
                if (update.has("error")) {
                    out.flush();
                    context.err().println("berth pull: " + update.path("error").asText());
                    return ExitCodes.ERROR;
                }
                if (json) {
                    out.println(line);
                } else if ("pulled".equals(update.path("status").asText()) && update.has("manifestDigest")) {
                    out.println("Pulled " + update.path("reference").asText());
                    out.println("Digest: " + update.path("manifestDigest").asText());
                } else {
                    String id = update.path("id").asText();
                    String status = update.path("status").asText();
                    // One line per state change; byte counts ride along with it.
                    if (!status.equals(shown.put(id, status))) {
                        out.println(id + ": " + status + bytes(update));
                    }
                }
                out.flush();
            }
        }
        return 0;
    }

    private static String bytes(JsonNode update) {
        long current = update.path("current").asLong(-1);
        long total = update.path("total").asLong(-1);
        if (total > 0) {
            return " " + Sizes.human(Math.max(current, 0)) + "/" + Sizes.human(total);
        }
        return current > 0 ? " " + Sizes.human(current) : "";
    }
}
