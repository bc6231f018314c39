package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code berth save -o FILE [--format docker|oci] REF...}: writes stored images to an archive on the
 * daemon's host with {@code POST /v1/images/save}.
 */
final class SaveCommand extends CliCommand {
    private static final Option OUTPUT = Option.value("output", "o", "FILE", "the archive to write");
    private static final Option ARCHIVE_FORMAT = Option.value("format", null, "docker|oci",
            "docker (docker save layout, the default) or oci (OCI image layout)");

    SaveCommand() {
        super("save", "-o FILE [--format docker|oci] REF...", "save images to a docker or OCI archive",
                "Write one or more stored images to a tar archive that docker/podman load and skopeo read.",
                List.of(OUTPUT, ARCHIVE_FORMAT));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().isEmpty()) {
            throw usageError("name at least one image");
        }
        Path target = Path.of(args.value("output").orElseThrow(() -> usageError("missing -o FILE")))
                .toAbsolutePath().normalize();
        ObjectNode body = Json.object().put("target", target.toString())
                .put("format", args.value("format").orElse("docker"));
        ArrayNode references = body.putArray("references");
        args.positionals().forEach(references::add);
        try (HttpResponse response = context.client().post("/v1/images/save", body)) {
            return OperationStream.follow("save", response, context, false, (done, out) -> out.println(
                    "Saved " + args.positionals().size() + " image(s) to " + done.path("target").asText() + " ("
                            + done.path("format").asText() + ", " + Sizes.human(done.path("bytes").asLong()) + ")"));
        }
    }
}
