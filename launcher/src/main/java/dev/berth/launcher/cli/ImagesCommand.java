package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.ParsedArguments;
import java.io.PrintStream;
import java.util.List;

/** {@code berth images}: the images in the store and the names pointing at them, from {@code GET /v1/images}. */
final class ImagesCommand extends JsonQueryCommand {

    ImagesCommand() {
        super("images", "[--at T] [--format json]", "list images",
                "List the images in the store, one line per name (untagged ones once); with --at, as they were at T.",
                "/v1/images", List.of(PointInTime.OPTION, Formats.OPTION));
    }

    @Override
    String path(ParsedArguments args, CliContext context) {
        return PointInTime.of(args).map(at -> "/v1/audit/at?what=images&at=" + ContainerPaths.encode(at)).orElse("/v1/images");
    }

    @Override
    void render(JsonNode answer, PrintStream out) {
        TextTable table = new TextTable("REPOSITORY", "TAG", "IMAGE ID", "PLATFORM", "SIZE", "PULLED");
        for (JsonNode image : answer.path("images")) {
            String id = JsonText.of(image, "manifestDigest");
            String shortId = id.startsWith("sha256:") && id.length() >= 19 ? id.substring(7, 19) : id;
            String size = image.path("size").canConvertToLong() ? Sizes.human(image.path("size").asLong()) : "unknown";
            if (image.path("tags").isEmpty()) {
                table.add("<none>", "<none>", shortId, JsonText.of(image, "platform"), size,
                        JsonText.of(image, "pulledAt"));
            }
            for (JsonNode tag : image.path("tags")) {
                String name = tag.asText();
                int colon = name.lastIndexOf(':');
                table.add(name.substring(0, colon), name.substring(colon + 1), shortId,
                        JsonText.of(image, "platform"), size, JsonText.of(image, "pulledAt"));
            }
        }
        table.print(out);
    }
}
