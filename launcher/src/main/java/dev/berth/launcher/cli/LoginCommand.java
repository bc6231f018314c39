package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code berth login [-u USER] [--password-stdin] REGISTRY}: checks a login against a registry and has the
 * daemon store it (Docker's config.json format, mode 0600) for later pulls. The password is read from
 * standard input or the terminal, never from the command line.
 */
final class LoginCommand extends CliCommand {
    private static final Option USER = Option.value("username", "u", "USER", "the user name");
    private static final Option PASSWORD_STDIN = Option.flag("password-stdin", null,
            "read the password from standard input");

    private final InputStream stdin;

    LoginCommand() {
        this(System.in);
    }

    LoginCommand(InputStream stdin) {
        super("login", "[-u USER] [--password-stdin] REGISTRY", "log in to a registry",
                "Check a user name and password against REGISTRY (host[:port]) and keep them for pulls.",
                List.of(USER, PASSWORD_STDIN));
        this.stdin = stdin;
    }

    @Override
    int run(ParsedArguments args, CliContext context)
            throws UsageException, IOException, DaemonUnreachableException, DaemonErrorException {
        if (args.positionals().size() != 1) {
            throw usageError("expected one REGISTRY, got " + args.positionals().size() + " arguments");
        }
        Console console = System.console();
        String username = args.value("username").orElse(null);
        if (username == null) {
            if (console == null) {
                throw usageError("give -u USER (no terminal to ask on)");
            }
            username = console.readLine("Username: ");
        }
        String password;
        if (args.has("password-stdin")) {
            password = new String(stdin.readNBytes(64 * 1024), StandardCharsets.UTF_8).strip();
        } else if (console != null) {
            char[] typed = console.readPassword("Password: ");
            password = typed == null ? "" : new String(typed);
        } else {
            throw usageError("no terminal to ask for the password on; use --password-stdin");
        }
        if (username == null || username.isBlank() || password.isEmpty()) {
            throw usageError("user name and password must not be empty");
        }
        ObjectNode body = Json.object().put("registry", args.positionals().get(0))
                .put("username", username).put("password", password);
        JsonNode answer = context.client().postJson("/v1/auth", body);
        context.out().println(answer.path("status").asText("Login Succeeded"));
        return 0;
    }
}
