package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code berth stats [--no-stream] [CONTAINER...]}: memory, CPU and task use of running containers, read
 * from their cgroups by the cgroups isolation module ({@code GET /v1/stats}). CPU use is the change in CPU
 * time between two samples a second apart, as a percentage of one CPU, as {@code docker stats} shows it.
 * Without {@code --no-stream} it redraws every second until interrupted.
 */
final class StatsCommand extends ContainerCommand {
    private static final Option NO_STREAM = Option.flag("no-stream", null, "print one sample and exit");
    private static final Option FORMAT = Option.value("format", null, "FORMAT",
            "'json' prints one JSON object per container and sample");
    private static final long INTERVAL_MS = 1000;

    StatsCommand() {
        super("stats", "[--no-stream] [--format json] [CONTAINER...]", "show containers' resource use",
                "Show the memory, CPU and task use of running containers (all of them without CONTAINER), read "
                        + "from their cgroups.", List.of(NO_STREAM, FORMAT));
    }

    /** One container's figures from two samples. */
    record Row(String id, String name, double cpuPercent, long memory, long limit, long pids, long pidsLimit) {
    }

    @Override
    int run(ParsedArguments args, CliContext context) throws UsageException, IOException, DaemonUnreachableException,
            DaemonErrorException {
        boolean json = args.value("format").map(f -> {
            if (!f.equals("json")) {
                throw new IllegalArgumentException("--format " + f + ": only json is known");
            }
            return true;
        }).orElse(false);
        String target = target(args.positionals());
        JsonNode previous = context.client().getJson(target);
        boolean terminal = context.caller().terminal() && !json;
        while (true) {
            sleep();
            JsonNode current = context.client().getJson(target);
            List<Row> rows = rows(previous, current);
            if (terminal && !args.has("no-stream")) {
                context.out().print("\033[2J\033[H");
            }
            print(rows, json, context.out());
            context.out().flush();
            if (args.has("no-stream")) {
                return 0;
            }
            previous = current;
        }
    }

    static String target(List<String> containers) {
        StringBuilder target = new StringBuilder("/v1/stats");
        for (int i = 0; i < containers.size(); i++) {
            target.append(i == 0 ? '?' : '&').append("id=").append(ContainerPaths.encode(containers.get(i)));
        }
        return target.toString();
    }

    /** The rows of {@code current}, with CPU use measured against the same container in {@code previous}. */
    static List<Row> rows(JsonNode previous, JsonNode current) {
        Map<String, Long> cpuBefore = new HashMap<>();
        previous.path("containers").forEach(c -> cpuBefore.put(c.path("id").asText(), c.path("cpuNanos").asLong()));
        long wall = current.path("readAtNanos").asLong() - previous.path("readAtNanos").asLong();
        long hostMemory = current.path("hostMemory").asLong();
        List<Row> rows = new java.util.ArrayList<>();
        for (JsonNode c : current.path("containers")) {
            String id = c.path("id").asText();
            Long before = cpuBefore.get(id);
            double cpu = before == null || wall <= 0 ? 0 : 100.0 * (c.path("cpuNanos").asLong() - before) / wall;
            long limit = c.path("memoryLimit").asLong();
            rows.add(new Row(id, c.path("name").asText(), Math.max(0, cpu), c.path("memoryBytes").asLong(),
                    limit > 0 ? limit : hostMemory, c.path("pids").asLong(), c.path("pidsLimit").asLong()));
        }
        return rows;
    }

    static void print(List<Row> rows, boolean json, PrintStream out) {
        if (json) {
            for (Row r : rows) {
                out.println(Json.text(Json.object().put("id", r.id()).put("name", r.name())
                        .put("cpuPercent", Math.round(r.cpuPercent() * 100) / 100.0).put("memoryBytes", r.memory())
                        .put("memoryLimit", r.limit()).put("pids", r.pids()).put("pidsLimit", r.pidsLimit())));
            }
            return;
        }
        TextTable table = new TextTable("CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS");
        for (Row r : rows) {
            double memPercent = r.limit() > 0 ? 100.0 * r.memory() / r.limit() : 0;
            table.add(r.id().substring(0, Math.min(12, r.id().length())), r.name(),
                    String.format(Locale.ROOT, "%.2f%%", r.cpuPercent()),
                    Sizes.human(r.memory()) + " / " + Sizes.human(r.limit()),
                    String.format(Locale.ROOT, "%.2f%%", memPercent),
                    r.pidsLimit() > 0 ? r.pids() + " / " + r.pidsLimit() : Long.toString(r.pids()));
        }
        table.print(out);
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(INTERVAL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** It only talks to the API: the daemon may run it for the native client. */
    @Override
    boolean servedInDaemon(ParsedArguments args) {
        return true;
    }
}
