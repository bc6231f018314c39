package dev.berth.engine.impl;

import static dev.berth.engine.impl.LogFixtureWriter.IMAGE;
import static dev.berth.engine.impl.LogFixtureWriter.JOB_ID;
import static dev.berth.engine.impl.LogFixtureWriter.JOB_SPEC;
import static dev.berth.engine.impl.LogFixtureWriter.MANIFEST;
import static dev.berth.engine.impl.LogFixtureWriter.RECORDS;
import static dev.berth.engine.impl.LogFixtureWriter.WEB_ID;
import static dev.berth.engine.impl.LogFixtureWriter.WEB_SPEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.container.VolumeMount;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.EventType;
import dev.berth.api.events.ContainerCreated;
import dev.berth.api.events.EngineEvents;
import dev.berth.api.events.SpecGenerated;
import dev.berth.engine.impl.ContainerProjection.Container;
import dev.berth.eventlog.impl.SegmentedEventLog;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Today's engine reads a log written when {@code container.created} and {@code spec.generated} were at version
 * 1: the committed fixture {@code fixtures/log-v1} (written once by {@link LogFixtureWriter}) is replayed
 * through the engine's projections, the old records come out upcast, and the files stay byte for byte as they
 * were. The fixture is only ever copied and read here, never regenerated.
 */
class SchemaEvolutionFixtureTest {
    /** The types the fixture holds at an older version than the engine writes today. */
    private static final List<String> UPCAST_TYPES = List.of("container.created", "spec.generated");
    /** The log opens a lock file beside its segments; it is the only file reading may add. */
    private static final String LOCK_FILE = "lock";

    @TempDir
    Path root;

    private Path logDir;
    private final EventCodec codec = new EventCodec();

    /** The engine's projections over one log, built as {@code EngineComponent} builds them. */
    private record Engine(PluginProjection plugins, ImageProjection images, ContainerProjection containers,
            Projections projections) {
    }

    @BeforeEach
    void copyFixture() throws IOException, URISyntaxException {
        Path fixture = Path.of(SchemaEvolutionFixtureTest.class.getResource("/fixtures/log-v1").toURI());
        logDir = Files.createDirectory(root.resolve("log"));
        try (Stream<Path> files = Files.list(fixture)) {
            for (Path file : files.toList()) {
                Files.copy(file, logDir.resolve(file.getFileName()));
            }
        }
        assertEquals(sha256OfEveryFile(fixture), sha256OfEveryFile(logDir), "the copy differs from the fixture");
    }

    /** The engine's projections over {@code log}, in the engine's order, with checkpoints beside the log. */
    private Engine engine(SegmentedEventLog log) {
        PluginProjection plugins = new PluginProjection(codec);
        ImageProjection images = new ImageProjection(codec);
        ContainerProjection containers = new ContainerProjection(codec);
        Projections projections = new Projections(log, List.of(plugins, images, containers),
                new CheckpointStore(root.resolve("checkpoints"), codec.mapper()));
        return new Engine(plugins, images, containers, projections);
    }

    private Engine replay(SegmentedEventLog log) {
        Engine engine = engine(log);
        engine.projections().start();
        return engine;
    }

    private static List<EventRecord> rawRecords(SegmentedEventLog log) {
        List<EventRecord> records = new ArrayList<>();
        try (EventCursor cursor = log.read(1)) {
            cursor.forEachRemaining(records::add);
        }
        return records;
    }

    @Test
    void theFixtureHoldsVersionOneRecordsOfTypesTheEngineNowWritesNewer() throws Exception {
        Map<String, Integer> current = EngineEvents.ALL.stream().map(EngineEvents::typeOf)
                .collect(Collectors.toMap(EventType::name, EventType::version));
        assertTrue(EngineEvents.typeOf(ContainerCreated.class).version() > 1, "container.created is no longer newer");
        assertTrue(EngineEvents.typeOf(SpecGenerated.class).version() > 1, "spec.generated is no longer newer");

        List<EventRecord> records;
        try (SegmentedEventLog log = SegmentedEventLog.open(logDir)) {
            records = rawRecords(log);
        }
        assertEquals(RECORDS, records.size());
        assertTrue(sha256OfEveryFile(logDir).keySet().stream().filter(n -> n.startsWith("segment-")).count() > 1,
                "the fixture should span several segment files");
        Map<String, Long> upcastCounts = new TreeMap<>();
        for (EventRecord record : records) {
            if (UPCAST_TYPES.contains(record.type())) {
                // Fails if someone regenerates the fixture with today's payload records.
                assertEquals(1, record.version(), "event #" + record.sequence() + " " + record.type());
                upcastCounts.merge(record.type(), 1L, Long::sum);
            } else {
                assertEquals(current.get(record.type()), record.version(),
                        "event #" + record.sequence() + " " + record.type() + " is not at today's version");
            }
        }
        assertEquals(Map.of("container.created", 2L, "spec.generated", 2L), upcastCounts);

        // The stored text has the version-1 shape: memory as a number, no isolation options, no relabel, no modules.
        for (EventRecord record : records) {
            JsonNode payload = codec.mapper().readTree(record.payload());
            if (record.type().equals("container.created")) {
                JsonNode options = payload.path("options");
                assertTrue(options.path("memory").isNumber(), record.payload());
                assertFalse(options.has("isolation"), record.payload());
                options.path("volumes").forEach(v -> assertFalse(v.has("relabel"), record.payload()));
            } else if (record.type().equals("spec.generated")) {
                assertFalse(payload.has("modules"), record.payload());
            }
        }
    }

    @Test
    void todaysEngineReadsTheVersionOneLogAndNeverRewritesIt() throws Exception {
        Map<String, String> before = sha256OfEveryFile(logDir);

        try (SegmentedEventLog log = SegmentedEventLog.open(logDir)) {
            Engine engine = replay(log);
            try {
                assertEquals(RECORDS, engine.projections().applied());
                assertTrue(engine.projections().startReport().contains("replayed " + RECORDS + " records"),
                        engine.projections().startReport());
                assertUpcastState(engine);
                // The engine checkpoints its projections as it runs; that writes beside the log, never into it.
                assertTrue(engine.projections().checkpoint());
            } finally {
                engine.projections().stop();
            }

            // A restart restores the checkpoint of upcast state and reads the same.
            Engine restarted = replay(log);
            try {
                assertTrue(restarted.projections().startReport().contains("restored at #" + RECORDS),
                        restarted.projections().startReport());
                assertUpcastState(restarted);
            } finally {
                restarted.projections().stop();
            }
        }

        Map<String, String> after = sha256OfEveryFile(logDir);
        after.remove(LOCK_FILE);
        assertEquals(before, after, "reading the log changed its files");
    }

    private static void assertUpcastState(Engine engine) {
        List<Container> all = engine.projections().query(engine.containers()::all);
        assertEquals(List.of(WEB_ID, JOB_ID), all.stream().map(Container::id).toList());
        assertEquals(List.of(), engine.projections().query(engine.containers()::pendingIds));

        Container web = all.get(0);
        assertEquals("web", web.name());
        assertEquals("busybox:1.36", web.image());
        assertEquals(MANIFEST, web.imageDigest());
        assertEquals(WEB_SPEC, web.specDigest());
        assertEquals("runc", web.runtime());
        assertEquals("exited", web.status());
        assertEquals(143, web.exitCode());
        assertEquals(15, web.signal());
        assertFalse(web.oomKilled());
        assertEquals(Instant.parse("2024-03-04T09:00:10Z"), second(web.createdTimeNanos()));
        assertEquals(Instant.parse("2024-03-04T09:05:01Z"), second(web.finishedTimeNanos()));
        // container.created v1 options.memory 67108864 is the isolation option -m reads today.
        assertEquals(Map.of("memory", List.of("67108864")), web.options().isolation());
        assertEquals(List.of(new VolumeMount("/srv/www", "/var/www", true, null)), web.options().volumes());
        assertNull(web.options().volumes().get(0).relabel());
        assertEquals(List.of("httpd", "-f", "-p", "8080", "-h", "/var/www"), web.options().command());
        assertFalse(web.autoRemove());
        // spec.generated v1 had no modules.
        assertEquals(List.of(), web.modules());
        assertEquals(List.of("httpd", "-f", "-p", "8080", "-h", "/var/www"), web.args());
        assertEquals("overlay", web.snapshotter());
        assertFalse(web.mounted());

        Container job = all.get(1);
        assertEquals("job", job.name());
        assertEquals(JOB_SPEC, job.specDigest());
        assertEquals("removed", job.status());
        assertEquals(3, job.exitCode());
        assertEquals(0, job.signal());
        assertTrue(job.autoRemove());
        // Memory 0 meant no limit: no isolation options at all.
        assertEquals(Map.of(), job.options().isolation());
        assertEquals(List.of(), job.options().volumes());
        assertEquals(List.of(), job.modules());
        assertEquals(List.of("sh", "-c", "exit 3"), job.args());
        assertFalse(job.mounted());

        assertTrue(engine.projections().query(() -> engine.images().resolve(MANIFEST)).isPresent(), IMAGE);
        assertEquals(List.of(), engine.projections().query(engine.plugins()::all));
    }

    @Test
    void aRecordNewerThanTheEngineKnowsFailsNamingItsSequenceAndType() throws Exception {
        long sequence;
        try (SegmentedEventLog log = SegmentedEventLog.open(logDir)) {
            // As a newer engine would have written it: a version of container.started this engine never saw.
            sequence = log.append(new EventDraft("container.started", 9, WEB_ID, "{\"pid\":4999,\"runtime\":\"runc\"}"))
                    .toCompletableFuture().join().sequence();
            assertEquals(RECORDS + 1, sequence);

            Projections projections = engine(log).projections();
            try {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, projections::start);
                assertTrue(e.getMessage().contains("event #" + sequence + " is container.started v9"), e.getMessage());
                assertTrue(e.getMessage().contains("container.started v1"), e.getMessage());
            } finally {
                projections.stop();
            }
        }
    }

    /** The second a record time falls in (the log adds nanoseconds to keep times of one second apart). */
    private static Instant second(long timeNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(timeNanos, 1_000_000_000L));
    }

    /** The SHA-256 of every regular file in {@code dir}, by file name. */
    private static Map<String, String> sha256OfEveryFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).collect(Collectors.toMap(f -> f.getFileName().toString(),
                    SchemaEvolutionFixtureTest::sha256, (a, b) -> a, TreeMap::new));
        }
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("hash " + file + ": " + e, e);
        }
    }
}
