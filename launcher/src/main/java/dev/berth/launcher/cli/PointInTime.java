package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@code --at T} option of {@code ps}, {@code images} and {@code inspect}: the state as it was after
 * record T, rebuilt by the daemon from the event log ({@code GET /v1/audit/at}). T is a sequence number
 * ({@code 1234} or {@code #1234}), an RFC 3339 time, a duration ago ({@code 10m}) or {@code @SECONDS}.
 * Stateless.
 */
final class PointInTime {
    static final Option OPTION = Option.value("at", null, "T",
            "the state as it was at T: a sequence number, an RFC 3339 time, a duration ago (10m) or @UNIX-SECONDS");

    private PointInTime() {
    }

    /** The value of {@code --at}, if given. */
    static Optional<String> of(ParsedArguments args) {
        return args.value("at");
    }

    /**
     * Asks for {@code what} ({@code ps}, {@code inspect}, {@code images}) at {@code at}, with extra query
     * parameters (already encoded, each starting with {@code &}), and says on standard error which state it
     * shows and how it was rebuilt.
     */
    static JsonNode ask(CliContext context, String what, String at, String extra)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        JsonNode answer = context.client().getJson("/v1/audit/at?what=" + what + "&at=" + ContainerPaths.encode(at)
                + extra);
        context.err().println("state at #" + answer.path("sequence").asLong()
                + (answer.hasNonNull("time") ? " (" + answer.path("time").asText() + ")" : " (before the first event)")
                + ", rebuilt from " + (answer.path("checkpoint").asLong() > 0 ? "checkpoint #"
                        + answer.path("checkpoint").asLong() : "the first record") + " and "
                + answer.path("replayed").asLong() + " records in " + answer.path("millis").asLong() + " ms");
        return answer;
    }

    /** The moment relative times in a past state are measured from: the time of the state's last record. */
    static Instant moment(JsonNode answer) {
        return answer.hasNonNull("time") ? Instant.parse(answer.path("time").asText()) : Instant.EPOCH;
    }
}
