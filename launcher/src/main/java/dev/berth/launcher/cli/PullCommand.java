package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

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
        return pull(context, args.positionals().get(0), args.value("platform").orElse(null),
                args.values("insecure-registry"), json(args));
    }

    /**
     * Pulls {@code reference} as {@code berth pull} does, progress and result on {@code context.out()};
     * {@code run} and {@code create} call it with a context printing to standard error.
     *
     * @return the exit code; on failure the message was printed as {@code berth pull: ...}
     */
    static int pull(CliContext context, String reference, String platform, List<String> insecureRegistries,
            boolean json) throws IOException, DaemonUnreachableException, DaemonErrorException {
        ObjectNode body = Json.object();
        body.put("reference", reference);
        if (platform != null) {
            body.put("platform", platform);
        }
        ArrayNode insecure = body.putArray("insecure");
        insecureRegistries.forEach(insecure::add);
        try (HttpResponse response = context.client().post("/v1/images/pull", body)) {
            return OperationStream.follow("pull", response, context, json, (done, out) -> {
                out.println("Pulled " + done.path("reference").asText());
                out.println("Digest: " + done.path("manifestDigest").asText());
            });
        }
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
