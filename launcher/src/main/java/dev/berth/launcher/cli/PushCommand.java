package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * {@code berth push REF}: uploads a stored image to its registry with {@code POST /v1/images/push},
 * printing a line per blob (uploaded, already there, mounted from another repository), then the digest.
 */
final class PushCommand extends CliCommand {
    private static final Option INSECURE = Option.repeated("insecure-registry", null, "HOST[:PORT]",
            "allow plain HTTP to this registry (registries on 127.0.0.0/8 always are)");
    private static final Option ALL_PLATFORMS = Option.flag("all-platforms", null,
            "push every platform stored under the name (Berth stores one platform per image)");

    PushCommand() {
        super("push", "[--insecure-registry HOST]... [--all-platforms] REF", "push an image to a registry",
                "Upload REF (a name the image has here, like 127.0.0.1:5000/app:1) to its registry: blobs\n"
                        + "the registry has are skipped, blobs another repository there holds are mounted,\n"
                        + "the manifest goes last, so a failed push leaves no tag on a half-pushed image.",
                List.of(INSECURE, ALL_PLATFORMS, Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().size() != 1) {
            throw usageError("expected one image reference, got " + args.positionals().size());
        }
        ObjectNode body = Json.object().put("reference", args.positionals().get(0));
        ArrayNode insecure = body.putArray("insecure");
        args.values("insecure-registry").forEach(insecure::add);
        try (HttpResponse response = context.client().post("/v1/images/push", body)) {
            return OperationStream.follow("push", response, context, json(args), (done, out) -> {
                out.println("Pushed " + done.path("target").asText() + " (" + done.path("uploaded").asInt()
                        + " uploaded, " + done.path("existing").asInt() + " already there, "
                        + done.path("mounted").asInt() + " mounted)");
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
