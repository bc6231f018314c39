package dev.berth.launcher.cli;

import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code berth image inspect REF}: one image's anatomy (manifest, config, layers and their chain ids,
 * names, when it was pulled) from {@code GET /v1/images/inspect}, as JSON.
 */
final class ImageCommand extends CliCommand {

    ImageCommand() {
        super("image", "inspect REF", "manage images (inspect)",
                "inspect REF   show an image's manifest, config, layers and chain ids as JSON", List.of());
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        List<String> words = args.positionals();
        if (words.isEmpty() || !words.get(0).equals("inspect")) {
            throw usageError(words.isEmpty() ? "missing subcommand" : "unknown subcommand '" + words.get(0) + "'");
        }
        if (words.size() != 2) {
            throw usageError("inspect takes one image reference or digest");
        }
        String target = "/v1/images/inspect?reference=" + URLEncoder.encode(words.get(1), StandardCharsets.UTF_8);
        context.out().println(context.json().writerWithDefaultPrettyPrinter()
                .writeValueAsString(context.client().getJson(target)));
        return 0;
    }
}
