package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * {@code berth commit CONTAINER [REPO[:TAG]]}: makes an image of the container's changes on top of its
 * image ({@code POST .../commit}), printing the stages' progress and then the new image's id.
 */
final class CommitCommand extends ContainerCommand {
    private static final Option MESSAGE = Option.value("message", "m", "MSG", "the commit message");
    private static final Option AUTHOR = Option.value("author", "a", "NAME", "the author (\"Jane <jane@example.com>\")");
    private static final Option CHANGE = Option.repeated("change", "c", "INSTRUCTION",
            "apply a Dockerfile instruction to the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, "
                    + "VOLUME, WORKDIR, STOPSIGNAL");
    private static final Option PAUSE = Option.flag("pause", "p",
            "freeze the container's processes while its changes are read (docker pauses by default)");

    CommitCommand() {
        super("commit", "[-m MSG] [-a NAME] [-c INSTRUCTION]... [--pause] CONTAINER [REPO[:TAG]]",
                "create an image from a container's changes",
                "Make a new image of CONTAINER's changes: its read-write layer becomes a layer tar (deletions\n"
                        + "as OCI whiteouts) on top of the container's image, with a history entry. The image\n"
                        + "keeps the command, environment, working directory and user the container ran with.",
                List.of(MESSAGE, AUTHOR, CHANGE, PAUSE, Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().isEmpty() || args.positionals().size() > 2) {
            throw usageError("expected CONTAINER [REPO[:TAG]], got " + args.positionals().size() + " arguments");
        }
        ObjectNode body = Json.object();
        if (args.positionals().size() == 2) {
            body.put("reference", args.positionals().get(1));
        }
        body.put("comment", args.value("message").orElse(""));
        body.put("author", args.value("author").orElse(""));
        ArrayNode changes = body.putArray("changes");
        args.values("change").forEach(changes::add);
        body.put("pause", args.has("pause"));
        try (HttpResponse response = context.client().post(ContainerPaths.of(args.positionals().get(0), "commit"),
                body)) {
            return OperationStream.follow("commit", response, context, json(args),
                    (done, out) -> out.println(done.path("id").asText()));
        }
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
