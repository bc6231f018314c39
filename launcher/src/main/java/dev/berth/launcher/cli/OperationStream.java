package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.ExitCodes;
import java.io.IOException;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Reads the NDJSON answer of a long daemon operation (pull, load, save): progress lines
 * {@code {"id","status","current","total"}} printed once per state change, then {@code {"status":"done"}}
 * handed to the caller, or {@code {"error":...}} printed as {@code berth <command>: <message>}. Not
 * thread-safe: one per operation.
 */
final class OperationStream {
    private OperationStream() {
    }

    /** Follows the stream to its end and returns the exit code; {@code done} renders the final answer. */
    static int follow(String command, HttpResponse response, CliContext context, boolean json,
            BiConsumer<JsonNode, PrintStream> done) throws IOException {
        PrintStream out = context.out();
        Map<String, String> shown = new HashMap<>();
        Map<String, Long> started = new HashMap<>();
        // On a terminal every byte update is shown with its rate; piped output gets one line per state.
        boolean terminal = context.caller().terminal();
        String line;
        while ((line = response.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode update = Json.parse(line);
            if (update.has("error")) {
                out.flush();
                context.err().println("berth " + command + ": " + update.path("error").asText());
                return ExitCodes.ERROR;
            }
            if (json) {
                out.println(line);
            } else if ("done".equals(update.path("status").asText())) {
                done.accept(update, out);
            } else {
                String id = update.path("id").asText();
                String status = update.path("status").asText();
                long now = System.nanoTime();
                started.putIfAbsent(id, now);
                if (!status.equals(shown.put(id, status)) || terminal) {
                    out.println(id + ": " + status + bytes(update) + rate(update, now - started.get(id)));
                }
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    /** The average rate since the item's first update, for byte-moving states. */
    private static String rate(JsonNode update, long elapsedNanos) {
        String status = update.path("status").asText();
        long current = update.path("current").asLong(0);
        if (elapsedNanos < 1_000_000 || current <= 0 || !(status.equals("downloading") || status.equals("verified"))) {
            return "";
        }
        return " (" + Sizes.human(current * 1_000_000_000L / elapsedNanos) + "/s)";
    }

    private static String bytes(JsonNode update) {
        long current = update.path("current").asLong(-1);
        long total = update.path("total").asLong(-1);
        if (total > 0) {
            return " " + Sizes.human(Math.max(current, 0)) + "/" + Sizes.human(total);
        }
        return current > 0 ? " " + Sizes.human(current) : "";
    }
}
