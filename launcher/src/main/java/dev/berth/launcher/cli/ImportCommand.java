package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * {@code berth import FILE|- [REPO[:TAG]]}: makes a one-layer image of a filesystem tar (plain or gzip)
 * with {@code POST /v1/images/import}. Standard input is first copied to a private temporary file, which
 * the daemon on this host reads.
 */
final class ImportCommand extends CliCommand {
    private static final Option CHANGE = Option.repeated("change", "c", "INSTRUCTION",
            "apply a Dockerfile instruction to the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, "
                    + "VOLUME, WORKDIR, STOPSIGNAL");
    private static final Option MESSAGE = Option.value("message", "m", "MSG", "the history entry's comment");
    private static final Option PLATFORM = Option.value("platform", null, "OS/ARCH[/VARIANT]",
            "the platform the image is for (default: this machine's)");

    ImportCommand() {
        super("import", "[-c INSTRUCTION]... [-m MSG] [--platform P] FILE|- [REPO[:TAG]]",
                "create an image from a filesystem tar",
                "Make a one-layer image of a tar of a root filesystem (plain or gzip; - reads standard\n"
                        + "input). Its entries get the same path-safety checks as image layers.",
                List.of(CHANGE, MESSAGE, PLATFORM, Formats.OPTION));
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().isEmpty() || args.positionals().size() > 2) {
            throw usageError("expected FILE|- [REPO[:TAG]], got " + args.positionals().size() + " arguments");
        }
        String source = args.positionals().get(0);
        Path copy = null;
        Path file;
        if (source.equals("-")) {
            copy = stdinCopy(context.in());
            file = copy;
        } else {
            file = Path.of(source).toAbsolutePath().normalize();
            if (!Files.isRegularFile(file)) {
                throw usageError("no such file: " + file);
            }
        }
        try {
            ObjectNode body = Json.object().put("file", file.toString()).put("source", source.equals("-")
                    ? "-" : file.toString());
            if (args.positionals().size() == 2) {
                body.put("reference", args.positionals().get(1));
            }
            ArrayNode changes = body.putArray("changes");
            args.values("change").forEach(changes::add);
            body.put("message", args.value("message").orElse(""));
            args.value("platform").ifPresent(p -> body.put("platform", p));
            try (HttpResponse response = context.client().post("/v1/images/import", body)) {
                return OperationStream.follow("import", response, context, json(args),
                        (done, out) -> out.println(done.path("id").asText()));
            }
        } finally {
            if (copy != null) {
                Files.deleteIfExists(copy);
            }
        }
    }

    private static Path stdinCopy(InputStream in) throws IOException {
        Path copy = Files.createTempFile("berth-import-", ".tar",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return copy;
        } catch (IOException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
    }
}
