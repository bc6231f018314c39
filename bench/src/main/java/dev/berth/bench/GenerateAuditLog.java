package dev.berth.bench;

import dev.berth.api.BerthException;
import dev.berth.api.event.EnvelopeFormat;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogVerification;
import dev.berth.eventlog.impl.SegmentedEventLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Writes the event log of a busy month ({@link AuditScenario}) into the state root of a Berth daemon, for the
 * audit benchmarks ({@code bench/scripts/audit.sh}): {@code berth history}, {@code berth ps --at} and a full
 * replay on a log of a million events.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.berth.bench.GenerateAuditLog ROOT [EVENTS]}
 * (EVENTS defaults to 1,000,000). The log goes where the daemon's event log component keeps it,
 * {@code ROOT/events}, which must not hold a log yet. System properties: {@code berth.audit.days} (the
 * span of the log, default 30 days, ending 10 minutes ago) and {@code berth.audit.seed} (default 1).
 *
 * <p>The events go through {@link SegmentedEventLog} itself, appended asynchronously with many in flight so
 * that group commit shares each fsync, and stamped with their planned times through {@link ScheduledClock}.
 * Afterwards the log is opened again and checked: {@code verify(1)} must find it intact and every record
 * must carry its planned time. Prints one JSON object on stdout: the record count, the middle of the log
 * (sequence, time, containers there), a container created in the middle of the log, and sizes. Progress
 * goes to stderr.
 */
public final class GenerateAuditLog {
    /** Appends in flight at most; enough to fill the writer's batches. */
    private static final int WINDOW = 16_384;

    private GenerateAuditLog() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2 || args[0].startsWith("-")) {
            System.err.println("usage: GenerateAuditLog ROOT [EVENTS]   (writes ROOT/events; EVENTS defaults to "
                    + "1000000; -Dberth.audit.days=30 -Dberth.audit.seed=1)");
            System.exit(2);
        }
        Path root = Path.of(args[0]).toAbsolutePath().normalize();
        int events = args.length > 1 ? Integer.parseInt(args[1].replace("_", "")) : 1_000_000;
        int days = Integer.getInteger("berth.audit.days", 30);
        long seed = Long.getLong("berth.audit.seed", 1L);
        System.out.println(generate(root, events, days, seed));
    }

    /** Writes the log and returns the JSON summary; see the type description. */
    static String generate(Path root, int events, int days, long seed) throws IOException, BerthException {
        Path dir = root.resolve("events");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                if (files.anyMatch(f -> f.getFileName().toString().endsWith(".log"))) {
                    throw new IOException(dir + " already holds an event log; remove it or pick another root");
                }
            }
        }
        Files.createDirectories(dir);
        Instant end = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
        Instant begin = end.minus(Duration.ofDays(days));
        AuditScenario scenario = new AuditScenario(root.toString(), events, nanos(begin), nanos(end), seed);
        ScheduledClock clock = new ScheduledClock(events);

        long started = System.nanoTime();
        int middle = events / 2;
        int appended = 0;
        Map<String, Object> picked = null;
        int live = 0;
        int running = 0;
        int liveAtMiddle = 0;
        int runningAtMiddle = 0;
        SegmentedEventLog log = SegmentedEventLog.open(dir, SegmentedEventLog.Options.defaults().withClock(clock));
        try {
            ArrayDeque<CompletableFuture<EventRecord>> inFlight = new ArrayDeque<>();
            for (AuditScenario.Planned p = scenario.next(); p != null; p = scenario.next()) {
                clock.plan(p.nanos());
                inFlight.add(log.append(p.draft()).toCompletableFuture());
                appended++;
                switch (p.draft().type()) {
                    case "container.created" -> live++;
                    case "container.removed" -> live--;
                    case "container.started" -> running++;
                    case "container.exited" -> running--;
                    default -> {
                        // no change in the counts
                    }
                }
                if (appended == middle) {
                    liveAtMiddle = live;
                    runningAtMiddle = running;
                }
                AuditScenario.Container c = p.container();
                if (picked == null && appended > middle && c != null && c.kind() == AuditScenario.Kind.SERVICE
                        && p.draft().type().equals("container.created") && c.events() >= 12) {
                    picked = new TreeMap<>(Map.of("id", c.id(), "name", c.name(), "image", c.image(),
                            "events", c.events(), "createdSequence", appended));
                }
                if (inFlight.size() >= WINDOW) {
                    inFlight.poll().join();
                }
                if (appended % 100_000 == 0) {
                    System.err.printf("GenerateAuditLog: %,d of %,d events, %.1f s%n", appended, events,
                            (System.nanoTime() - started) / 1e9);
                }
            }
            for (CompletableFuture<EventRecord> f : inFlight) {
                f.join();
            }
        } finally {
            log.close();
        }
        long writeMillis = (System.nanoTime() - started) / 1_000_000;
        if (appended != events) {
            throw new IllegalStateException("planned " + appended + " events, wanted " + events);
        }
        if (clock.asked() != appended) {
            throw new IllegalStateException("the log asked its clock " + clock.asked() + " times for " + appended
                    + " records: the planned times are out of step");
        }
        if (picked == null) {
            throw new IllegalStateException("no service container was created after the middle of the log");
        }
        System.err.printf("GenerateAuditLog: %,d events written in %.1f s; checking%n", appended, writeMillis / 1e3);

        // Read it all back as the daemon will: intact, every record at its planned time.
        long[] planned = clock.plannedTimes();
        Map<String, Integer> types = new TreeMap<>();
        long middleNanos = 0;
        long firstNanos = 0;
        long lastNanos = 0;
        long checkStarted = System.nanoTime();
        try (SegmentedEventLog check = SegmentedEventLog.open(dir)) {
            LogVerification verification = check.verify(1);
            if (!verification.intact() || verification.verifiedThrough() != events) {
                throw new IllegalStateException("the written log does not verify: " + verification);
            }
            long expected = Long.MIN_VALUE;
            int i = 0;
            try (EventCursor cursor = check.read(1)) {
                while (cursor.hasNext()) {
                    EventRecord r = cursor.next();
                    expected = Math.max(planned[i], expected + 1);
                    if (r.timeNanos() != expected || r.sequence() != i + 1) {
                        throw new IllegalStateException("record #" + r.sequence() + " (" + r.type() + ") is stamped "
                                + Instant.ofEpochSecond(0, r.timeNanos()) + ", planned "
                                + Instant.ofEpochSecond(0, expected));
                    }
                    types.merge(r.type(), 1, Integer::sum);
                    if (i == 0) {
                        firstNanos = r.timeNanos();
                    }
                    if (r.sequence() == middle) {
                        middleNanos = r.timeNanos();
                    }
                    lastNanos = r.timeNanos();
                    i++;
                }
            }
            if (i != events) {
                throw new IllegalStateException("read back " + i + " records, wrote " + events);
            }
        }
        long checkMillis = (System.nanoTime() - checkStarted) / 1_000_000;
        long bytes = 0;
        int segments = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                bytes += Files.size(f);
                segments++;
            }
        }

        StringBuilder json = new StringBuilder(1024).append("{\n");
        field(json, "root", root.toString());
        field(json, "log", dir.toString());
        json.append("  \"records\": ").append(events).append(",\n");
        json.append("  \"bytes\": ").append(bytes).append(",\n");
        json.append("  \"segments\": ").append(segments).append(",\n");
        field(json, "first", Instant.ofEpochSecond(0, firstNanos).toString());
        field(json, "last", Instant.ofEpochSecond(0, lastNanos).toString());
        json.append("  \"middle\": {\"sequence\": ").append(middle).append(", \"time\": ");
        EnvelopeFormat.quote(json, Instant.ofEpochSecond(0, middleNanos).toString());
        json.append(", \"containers\": ").append(liveAtMiddle).append(", \"running\": ").append(runningAtMiddle)
                .append("},\n");
        json.append("  \"container\": {");
        boolean first = true;
        for (Map.Entry<String, Object> e : picked.entrySet()) {
            json.append(first ? "" : ", ");
            first = false;
            EnvelopeFormat.quote(json, e.getKey());
            json.append(": ");
            if (e.getValue() instanceof String s) {
                EnvelopeFormat.quote(json, s);
            } else {
                json.append(e.getValue());
            }
        }
        json.append("},\n");
        json.append("  \"containersPlanned\": ").append(scenario.containers()).append(",\n");
        json.append("  \"keptExited\": ").append(AuditScenario.KEPT).append(",\n");
        json.append("  \"paddingNotes\": ").append(scenario.padNotes()).append(",\n");
        json.append("  \"types\": {");
        first = true;
        for (Map.Entry<String, Integer> e : types.entrySet()) {
            json.append(first ? "" : ", ");
            first = false;
            EnvelopeFormat.quote(json, e.getKey());
            json.append(": ").append(e.getValue());
        }
        json.append("},\n");
        json.append("  \"writeMillis\": ").append(writeMillis).append(",\n");
        json.append("  \"checkMillis\": ").append(checkMillis).append("\n}");
        return json.toString();
    }

    private static void field(StringBuilder json, String name, String value) {
        json.append("  ");
        EnvelopeFormat.quote(json, name);
        json.append(": ");
        EnvelopeFormat.quote(json, value);
        json.append(",\n");
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
