package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** {@code berth top CONTAINER}: the processes running in a container, as a table ({@code GET .../top}). */
final class TopCommand extends ContainerCommand {
    TopCommand() {
        super("top", "CONTAINER", "show the processes of a container",
                "Show the processes running in CONTAINER, with the columns the daemon reports.", List.of());
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().size() != 1) {
            throw usageError("expected one CONTAINER, got " + args.positionals().size());
        }
        JsonNode answer = context.client().getJson(ContainerPaths.of(args.positionals().get(0), "top"));
        List<String> titles = new ArrayList<>();
        answer.path("titles").forEach(title -> titles.add(title.asText()));
        if (titles.isEmpty()) {
            throw new UnreadableAnswerException("no titles in the answer " + answer);
        }
        TextTable table = new TextTable(titles.toArray(String[]::new));
        for (JsonNode process : answer.path("processes")) {
            List<String> cells = new ArrayList<>();
            process.forEach(cell -> cells.add(cell.asText()));
            table.add(cells.toArray(String[]::new));
        }
        table.print(context.out());
        return 0;
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
