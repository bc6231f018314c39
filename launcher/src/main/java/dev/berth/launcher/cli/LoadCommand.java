package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code berth load -i FILE}: loads a {@code docker save} or OCI image-layout archive that lies on the
 * daemon's host, with {@code POST /v1/images/load}, and prints the images it held.
 */
final class LoadCommand extends CliCommand {
    private static final Option INPUT = Option.value("input", "i", "FILE", "the archive to load (docker or OCI)");

    LoadCommand() {
        super("load", "-i FILE", "load images from a docker or OCI archive",
                "Load every image of an archive made by docker/podman save or skopeo (docker-archive,\n"
                        + "oci-archive): verify its blobs, expand its layers and record its names.",
                List.of(INPUT, Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        noArguments(args);
        boolean json = json(args);
        Path archive = Path.of(args.value("input").orElseThrow(() -> usageError("missing -i FILE")))
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(archive)) {
            throw usageError("no such file: " + archive);
        }
        ObjectNode body = Json.object().put("archive", archive.toString());
        try (HttpResponse response = context.client().post("/v1/images/load", body)) {
            return OperationStream.follow("load", response, context, json, (done, out) -> {
                for (JsonNode image : done.path("images")) {
                    String digest = image.path("manifestDigest").asText();
                    if (image.path("tags").isEmpty()) {
                        out.println("Loaded image: " + digest);
                    }
                    for (JsonNode tag : image.path("tags")) {
                        out.println("Loaded image: " + tag.asText() + " (" + digest + ")");
                    }
                }
            });
        }
    }
}
