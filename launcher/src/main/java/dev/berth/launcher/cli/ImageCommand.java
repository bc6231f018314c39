package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * {@code berth image inspect|rm|prune}: one image's anatomy (manifest, config, layers and chain ids,
 * names) as JSON; removing names and images; deleting blobs and snapshots no image refers to.
 */
final class ImageCommand extends CliCommand {
    private static final Option FORCE = Option.flag("force", "f", "rm: remove an image by digest with all its names");
    private static final Option GRACE = Option.value("grace", null, "SECONDS",
            "prune: keep unreferenced content younger than this (default 600, so pulls under way are safe)");

    ImageCommand() {
        super("image", "inspect REF | rm [-f] REF... | prune", "inspect, remove and prune images", """
                inspect REF     show an image's manifest, config, layers and chain ids as JSON
                rm REF...       remove a name; an image whose last name goes is removed too
                prune           delete blobs and layer snapshots no image refers to (see --grace)""",
                List.of(FORCE, GRACE));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        List<String> words = args.positionals();
        String sub = words.isEmpty() ? "" : words.get(0);
        List<String> rest = words.isEmpty() ? List.of() : words.subList(1, words.size());
        switch (sub) {
            case "inspect" -> {
                if (rest.size() != 1) {
                    throw usageError("inspect takes one image reference or digest");
                }
                context.out().println(Json.pretty(
                        context.client().getJson("/v1/images/inspect?reference=" + ContainerPaths.encode(rest.get(0)))));
            }
            case "rm" -> {
                if (rest.isEmpty()) {
                    throw usageError("rm takes one or more image references or digests");
                }
                for (String reference : rest) {
                    JsonNode answer = context.client().delete("/v1/images?reference=" + ContainerPaths.encode(reference)
                            + (args.has("force") ? "&force=true" : ""));
                    answer.path("untagged").forEach(name -> context.out().println("Untagged: " + name.asText()));
                    if (answer.path("removed").isTextual()) {
                        context.out().println("Deleted: " + answer.path("removed").asText());
                    }
                }
            }
            case "prune" -> {
                if (!rest.isEmpty()) {
                    throw usageError("prune takes no arguments");
                }
                String grace = args.value("grace").orElse("600");
                JsonNode answer = context.client().postJson("/v1/images/prune?grace=" + ContainerPaths.encode(grace),
                        Json.object());
                answer.path("blobs").forEach(b -> context.out().println("Deleted blob: " + b.asText()));
                answer.path("snapshots").forEach(b -> context.out().println("Deleted snapshot: " + b.asText()));
                context.out().println("Reclaimed " + Sizes.human(answer.path("bytes").asLong()));
            }
            default -> throw usageError(sub.isEmpty() ? "missing subcommand (inspect, rm, prune)"
                    : "unknown subcommand '" + sub + "' (inspect, rm, prune)");
        }
        return 0;
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
