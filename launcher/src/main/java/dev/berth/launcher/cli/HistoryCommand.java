package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code berth history CONTAINER|IMAGE|PLUGIN}: everything the event log says happened to it, oldest first,
 * from {@code GET /v1/history}: for a container where its image came from, the expansion of its layers,
 * its mount, its spec and which isolation module set what, creation, start, execs, OOM kills, exit and
 * removal; removed containers too. One line per event, details indented below; {@code --format json}
 * prints the answer with every event's payload and hash.
 */
final class HistoryCommand extends CliCommand {

    HistoryCommand() {
        super("history", "CONTAINER|IMAGE|PLUGIN [--format json]", "show the timeline of a container, image or plugin",
                """
                Print what the event log records about a container (name or id, removed ones too), an image
                (name or digest) or a plugin (id), oldest first: sequence, time, event and what it means.
                Records in archived segments are marked with the archive file that holds them.""",
                List.of(Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        List<String> words = args.positionals();
        if (words.size() != 1) {
            throw usageError(words.isEmpty() ? "missing CONTAINER, IMAGE or PLUGIN" : "give one CONTAINER, IMAGE or PLUGIN");
        }
        String target = "/v1/history?target=" + ContainerPaths.encode(words.get(0));
        if (json(args)) {
            try (HttpResponse response = context.client().get(target)) {
                RawJson.print(response.readBody(), context.out());
            }
            return 0;
        }
        // The timeline in words needs no stored payloads: a smaller answer to read.
        render(context.client().getJson(target + "&payload=false"), context.out());
        return 0;
    }

    /** The timeline for people. */
    static void render(JsonNode answer, PrintStream out) {
        String id = answer.path("id").asText();
        String name = answer.path("name").asText();
        out.println(answer.path("kind").asText() + " " + (name.equals(id) ? id : name + " (" + id + ")") + ": "
                + answer.path("events").size() + " events");
        int typeWidth = 0;
        int sequenceWidth = 0;
        for (JsonNode event : answer.path("events")) {
            typeWidth = Math.max(typeWidth, event.path("type").asText().length());
            sequenceWidth = Math.max(sequenceWidth, event.path("sequence").asText().length() + 1);
        }
        String indent = " ".repeat(sequenceWidth + 2 + 30 + 2 + typeWidth + 2);
        for (JsonNode event : answer.path("events")) {
            List<JsonNode> lines = new java.util.ArrayList<>();
            event.path("lines").forEach(lines::add);
            String first = lines.isEmpty() ? "" : lines.get(0).asText();
            out.println(pad("#" + event.path("sequence").asText(), sequenceWidth) + "  "
                    + pad(event.path("time").asText(), 30) + "  " + pad(event.path("type").asText(), typeWidth) + "  "
                    + first + (event.hasNonNull("archive") ? "  [archived in " + event.path("archive").asText() + "]" : ""));
            for (JsonNode line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                out.println(indent + line.asText().strip());
            }
        }
        JsonNode others = answer.path("otherContainersNamed");
        if (others.size() > 0) {
            out.println("earlier containers with this name: " + others.size() + " (berth history ID shows each)");
        }
        JsonNode containers = answer.path("containers");
        if (containers.size() > 0) {
            out.println("containers created from it: " + containers.size());
        }
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
