package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.itests.plugins.PluginJar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The audit tools end to end through the CLI, on a real daemon, runc and registry: {@code berth history}
 * of containers (removed ones too), images and plugins; {@code ps}, {@code inspect} and {@code images} at a
 * past sequence or time; {@code audit export} checked offline by {@code audit verify --file}, tampering
 * found; and replay determinism after a randomized workload of runs, stops, removals, pulls, tags and
 * plugin swaps, across a daemon restart.
 */
class AuditIT extends ContainerTestBase {
    private static final String SPEC = "dev.berth.plugin.spec";

    @TempDir
    Path tmp;

    private static long head() throws Exception {
        List<JsonNode> all = DaemonEndToEndIT.events(daemon);
        return all.isEmpty() ? 0 : all.get(all.size() - 1).path("sequence").asLong();
    }

    private static JsonNode json(Cli.Result result) throws Exception {
        assertEquals(0, result.exit(), result.toString());
        return JSON.readTree(result.stdout());
    }

    private static List<String> types(JsonNode history) {
        List<String> types = new ArrayList<>();
        history.path("events").forEach(e -> types.add(e.path("type").asText()));
        return types;
    }

    @Test
    void historyTellsARemovedContainersWholeLifeFromPullToRemoval() throws Exception {
        assertEquals(0, berth("run", "-d", "--name", "hist-life", image(), "sleep", "30").exit());
        Cli.Result exec = berth("exec", "hist-life", "id", "-u");
        assertEquals(0, exec.exit(), exec.toString());
        assertEquals(0, berth("stop", "-t", "1", "hist-life").exit());
        assertEquals(0, berth("rm", "hist-life").exit());
        assertEquals(1, berth("inspect", "hist-life").exit(), "removed: inspect no longer knows it");

        JsonNode history = json(berth("history", "hist-life", "--format", "json"));
        assertEquals("container", history.path("kind").asText());
        List<String> types = types(history);
        for (String type : List.of("layer.expanded", "image.pulled", "rootfs.mounted", "spec.generated",
                "container.created", "container.started", "container.execd", "container.killed", "container.exited",
                "rootfs.unmounted", "container.removed")) {
            assertTrue(types.contains(type), type + " missing from " + types);
        }
        assertTrue(types.indexOf("image.pulled") < types.indexOf("container.created"), types.toString());
        long previous = 0;
        for (JsonNode event : history.path("events")) {
            assertTrue(event.path("sequence").asLong() > previous, "oldest first: " + history);
            previous = event.path("sequence").asLong();
        }
        JsonNode execd = event(history, "container.execd");
        assertEquals(List.of("id", "-u"), List.of(execd.path("payload").path("args").get(0).asText(),
                execd.path("payload").path("args").get(1).asText()));
        JsonNode spec = event(history, "spec.generated");
        assertTrue(spec.path("payload").path("modules").size() > 0, spec.toString());

        Cli.Result text = berth("history", "hist-life");
        assertEquals(0, text.exit(), text.toString());
        assertTrue(text.stdout().contains("pulled " + image()), text.stdout());
        assertTrue(text.stdout().contains("from 127.0.0.1:"), "the registry it came from: " + text.stdout());
        assertTrue(text.stdout().contains("set /process/capabilities"), "which module set what: " + text.stdout());
        assertTrue(text.stdout().contains("exec ") && text.stdout().contains("[\"id\",\"-u\"]"), text.stdout());
        assertTrue(text.stdout().contains("removed hist-life"), text.stdout());

        // By id prefix too, and the same events.
        String id = history.path("id").asText();
        assertEquals(types, types(json(berth("history", id.substring(0, 10), "--format", "json"))));
    }

    private static JsonNode event(JsonNode history, String type) {
        for (JsonNode event : history.path("events")) {
            if (event.path("type").asText().equals(type)) {
                return event;
            }
        }
        throw new AssertionError("no " + type + " in " + history);
    }

    @Test
    void historyOfAnImageAndOfAPlugin() throws Exception {
        JsonNode image = json(berth("history", image(), "--format", "json"));
        assertEquals("image", image.path("kind").asText());
        List<String> types = types(image);
        for (String type : List.of("pull.requested", "manifest.resolved", "blob.fetched", "layer.expanded",
                "image.pulled", "image.tagged")) {
            assertTrue(types.contains(type), type + " missing from " + types);
        }
        JsonNode plugin = json(berth("history", "dev.berth.plugin.runc", "--format", "json"));
        assertEquals("plugin", plugin.path("kind").asText());
        assertTrue(types(plugin).contains("plugin.installed"), plugin.toString());
    }

    /** A hostile or mistaken argument: what it is and the words the error must contain. */
    record BadInput(String name, List<String> args, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<BadInput> badInputs() {
        return Stream.of(
                new BadInput("UnknownContainer", List.of("history", "no-such-thing-anywhere"), "no-such-thing-anywhere"),
                new BadInput("AtBeyondTheHead", List.of("ps", "-a", "--at", "999999999"), "runs from #1 to #"),
                new BadInput("AtNotATime", List.of("ps", "--at", "yesterday-ish"), "yesterday-ish"),
                new BadInput("AtInTheFuture", List.of("images", "--at", "2999-01-01T00:00:00Z"), "has not come yet"),
                new BadInput("InspectAtUnknown", List.of("inspect", "--at", "1", "no-such-thing-anywhere"),
                        "no such container: no-such-thing-anywhere at #1"),
                new BadInput("SinceAfterUntil", List.of("audit", "export", "--since", "10", "--until", "5", "-o",
                        "/tmp/berth-audit-never-written.log"), "--since (#10) is after --until (#5)"),
                new BadInput("SinceTimeAfterUntilTime", List.of("audit", "export", "--since", "1m", "--until", "2h",
                        "-o", "/tmp/berth-audit-never-written.log"), "is after --until"),
                new BadInput("ExportWithoutOutput", List.of("audit", "export"), "-o FILE"),
                new BadInput("VerifyMissingFile", List.of("audit", "verify", "--file", "/nonexistent/export.log"),
                        "/nonexistent/export.log"),
                new BadInput("ArchiveWithoutBefore", List.of("audit", "archive"), "--before"),
                new BadInput("UnknownSubcommand", List.of("audit", "rewrite"), "unknown subcommand 'rewrite'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputIsAClearErrorAndWritesNothing(BadInput input) throws Exception {
        long before = head();
        Cli.Result result = berth(input.args());
        assertNotEquals(0, result.exit(), result.toString());
        assertTrue(result.stderr().contains(input.expected()), input.name() + ": " + result);
        assertFalse(Files.exists(Path.of("/tmp/berth-audit-never-written.log")));
        assertEquals(before, head(), "a refused question appends nothing");
    }

    @Test
    void psInspectAndImagesAtAPastMomentShowThatMoment() throws Exception {
        long beforeCreate = head();
        assertEquals(0, berth("run", "-d", "--name", "travel", image(), "sleep", "30").exit());
        long whileRunning = head();
        String runningTime = DaemonEndToEndIT.events(daemon).get((int) whileRunning - 1).path("time").asText();
        assertEquals(0, berth("rm", "-f", "travel").exit());

        Function<String, List<String>> names = at -> {
            try {
                Cli.Result ps = berth("ps", "-a", "--at", at, "--format", "json");
                assertEquals(0, ps.exit(), ps.toString());
                assertTrue(ps.stderr().contains("state at #"), ps.stderr());
                List<String> found = new ArrayList<>();
                for (String line : ps.lines()) {
                    found.add(JSON.readTree(line).path("name").asText());
                }
                return found;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertFalse(names.apply(Long.toString(beforeCreate)).contains("travel"));
        assertTrue(names.apply(Long.toString(whileRunning)).contains("travel"));
        assertTrue(names.apply(runningTime).contains("travel"), "by time as well as by sequence");
        assertFalse(names.apply("#" + head()).contains("travel"));

        JsonNode past = json(berth("inspect", "--at", Long.toString(whileRunning), "travel"));
        assertEquals("running", past.get(0).path("status").asText(), past.toString());
        assertEquals(List.of("sleep", "30"), List.of(past.get(0).path("command").get(0).asText(),
                past.get(0).path("command").get(1).asText()));

        JsonNode noImages = json(berth("images", "--at", "1", "--format", "json"));
        assertEquals(0, noImages.path("images").size(), "nothing was pulled by #1: " + noImages);
        JsonNode images = json(berth("images", "--at", Long.toString(whileRunning), "--format", "json"));
        assertTrue(images.toString().contains(image()), images.toString());

        JsonNode plugins = json(berth("plugins", "--at", Long.toString(whileRunning), "--format", "json"));
        assertTrue(plugins.path("plugins").toString().contains("\"id\":\"dev.berth.plugin.runc\""), plugins.toString());
        JsonNode first = json(berth("plugins", "--at", "1", "--format", "json"));
        assertTrue(first.path("plugins").size() <= 1, "record #1 tells of one plugin at most: " + first);
        assertFalse(first.toString().contains("dev.berth.plugin.runc"), first.toString());
    }

    @Test
    void anExportVerifiesOfflineAndAnyTamperingIsFound() throws Exception {
        Path export = tmp.resolve("audit.log");
        Cli.Result written = berth("audit", "export", "--since", "2", "-o", export.toString(), "--format", "json");
        JsonNode answer = json(written);
        assertEquals(2, answer.path("firstSequence").asLong(), answer.toString());
        assertEquals(Files.size(export), answer.path("bytes").asLong());

        // Checked by the CLI alone: stop the question ever reaching a daemon.
        Cli.Result verified = Cli.run(List.of("-H", "unix:///nonexistent/berth.sock", "audit", "verify", "--file",
                export.toString()));
        assertEquals(0, verified.exit(), verified.toString());
        assertTrue(verified.stdout().contains("intact: records #2 to #" + answer.path("lastSequence").asLong()),
                verified.toString());
        assertTrue(verified.stdout().contains(answer.path("lastHash").asText()), verified.toString());

        byte[] bytes = Files.readAllBytes(export);
        bytes[bytes.length / 2] ^= 0x20;
        Path tampered = tmp.resolve("tampered.log");
        Files.write(tampered, bytes);
        Cli.Result found = berth("audit", "verify", "--file", tampered.toString());
        assertEquals(1, found.exit(), found.toString());
        assertTrue(found.stderr().contains("damaged: record #"), found.toString());

        Cli.Result again = berth("audit", "export", "-o", export.toString());
        assertNotEquals(0, again.exit(), "an existing file is never overwritten: " + again);
        assertTrue(again.stderr().contains(export.toString()), again.toString());
    }

    @Test
    void replayFromNothingEqualsTheLiveStateAfterARandomizedWorkloadAndARestart() throws Exception {
        long seed = Long.getLong("berth.audit.seed", System.nanoTime());
        System.out.println("[AuditIT] randomized workload seed " + seed + " (-Dberth.audit.seed=" + seed
                + " repeats it)");
        Random random = new Random(seed);
        Path specJar = PluginHotSwapIT.builtInJar(SPEC);
        Path specNext = PluginJar.reversion(specJar, tmp.resolve("spec-next.jar"), "0.1.1.audit" + seed % 100000);
        List<String> live = new ArrayList<>();
        Map<String, Integer> done = new HashMap<>();
        for (int step = 0; step < 40; step++) {
            int pick = random.nextInt(10);
            String name = "rnd-" + step;
            String op;
            Cli.Result result;
            switch (pick) {
                case 0, 1 -> {
                    op = "run --rm";
                    result = berth("run", "--rm", image(), "sh", "-c", "exit " + random.nextInt(3));
                }
                case 2, 3 -> {
                    op = "run -d";
                    result = berth("run", "-d", "--name", name, image(), "sleep", "60");
                    if (result.exit() == 0) {
                        live.add(name);
                    }
                }
                case 4 -> {
                    op = "stop";
                    result = live.isEmpty() ? berth("ps") : berth("stop", "-t", "1", live.get(random.nextInt(live.size())));
                }
                case 5 -> {
                    op = "rm -f";
                    result = live.isEmpty() ? berth("ps") : berth("rm", "-f", live.remove(random.nextInt(live.size())));
                }
                case 6 -> {
                    op = "pull";
                    result = berth("pull", image());
                }
                case 7 -> {
                    op = "tag/rmi";
                    String tag = "127.0.0.1:1/audit/rnd:" + step;
                    result = berth("tag", image(), tag);
                    if (result.exit() == 0 && random.nextBoolean()) {
                        result = berth("rmi", tag);
                    }
                }
                case 8 -> {
                    op = "plugin update";
                    result = berth("plugin", "update", SPEC, (random.nextBoolean() ? specNext : specJar).toString());
                }
                default -> {
                    op = "exec/kill";
                    result = live.isEmpty() ? berth("ps") : random.nextBoolean()
                            ? berth("exec", live.get(0), "true") : berth("kill", live.get(random.nextInt(live.size())));
                }
            }
            done.merge(op + (result.exit() == 0 ? "" : " (failed)"), 1, Integer::sum);
        }
        System.out.println("[AuditIT] workload: " + done);

        JsonNode replay = json(berth("audit", "replay", "--format", "json"));
        assertTrue(replay.path("matches").asBoolean(), "replay differs from the live state: " + replay);
        assertTrue(replay.path("records").asLong() > 100, replay.toString());
        String before = berth("ps", "-a", "--format", "json").stdout();

        // A restart rebuilds from the checkpoint and the log: the same state, and replay still agrees.
        assertEquals(0, daemon.stop(), daemon.output());
        daemon.start();
        JsonNode afterRestart = json(berth("audit", "replay", "--format", "json"));
        assertTrue(afterRestart.path("matches").asBoolean(), "after a restart: " + afterRestart);
        assertEquals(before, berth("ps", "-a", "--format", "json").stdout());
        assertEquals(0, berth("plugin", "update", SPEC, specJar.toString()).exit());
        for (String name : live) {
            berth("rm", "-f", name);
        }
    }

    @Test
    void archivedSegmentsStayReadableAndTheChainVerifiesAcrossTheBoundary() throws Exception {
        // A daemon of its own with 16 KiB segments, so its start alone fills several.
        Path own = Files.createDirectories(tmp.resolve("archiving"));
        try (Daemon small = new Daemon(own).withEnvironment("BERTH_DAEMON_OPTS", "-Dberth.log.segment.bytes=16384")
                .start()) {
            for (int i = 0; i < 40; i++) {
                assertEquals(0, small.cli("note", "--subject", "audit-archive", "filler note " + i).exit());
            }
            JsonNode before = JSON.readTree(small.cli("history", "dev.berth.plugin.runc", "--format", "json").stdout());
            long head = JSON.readTree(small.cli("info", "--format", "json").stdout()).at("/eventLog/head/sequence").asLong();

            Cli.Result archive = small.cli("audit", "archive", "--before", Long.toString(head - 20), "--format", "json");
            JsonNode archived = json(archive);
            assertTrue(archived.path("archived").size() >= 1, "segments before #" + (head - 20) + ": " + archived);
            for (JsonNode segment : archived.path("archived")) {
                assertTrue(Files.isRegularFile(Path.of(segment.path("file").asText())), segment.toString());
                assertTrue(segment.path("lastSequence").asLong() < head - 20, segment.toString());
            }
            long firstLive = archived.path("archive").get(archived.path("archive").size() - 1).path("lastSequence")
                    .asLong() + 1;

            Cli.Result verify = small.cli("audit", "verify");
            assertEquals(0, verify.exit(), "the chain runs across the archive boundary: " + verify);
            assertTrue(verify.stdout().contains("records #1 to #"), verify.toString());

            // History of an archived period still reads, and says where each record lives.
            JsonNode after = JSON.readTree(small.cli("history", "dev.berth.plugin.runc", "--format", "json").stdout());
            assertEquals(types(before), types(after));
            JsonNode first = after.path("events").get(0);
            assertTrue(first.path("sequence").asLong() < firstLive, after.toString());
            assertTrue(first.path("archive").asText().endsWith(".log.gz"), first.toString());
            assertTrue(small.cli("history", "dev.berth.plugin.runc").stdout().contains("[archived in "),
                    "the text timeline names the archive");
            assertTrue(json(small.cli("audit", "replay", "--format", "json")).path("matches").asBoolean());

            // A restart opens the log with its archive; nothing archived is needed to start, and all verifies.
            assertEquals(0, small.stop(), small.output());
            small.start();
            assertEquals(0, small.cli("audit", "verify").exit());
            JsonNode again = json(small.cli("audit", "archive", "--before", Long.toString(head - 20), "--format", "json"));
            assertEquals(0, again.path("archived").size(), "archiving twice moves nothing more: " + again);
        }
    }
}
