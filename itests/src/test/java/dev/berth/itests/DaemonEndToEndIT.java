package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.schemas.EventSchemas;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the built distribution: the real daemon as its own process (real Felix, real
 * bundles, the real Unix socket) and the real {@code berth} CLI. Runs as root, like the daemon itself.
 */
class DaemonEndToEndIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeAll
    static void requiresRootAndDistribution() {
        assertTrue(Files.isExecutable(Daemon.BERTH), "no distribution at " + Daemon.HOME + ": build launcher first");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            System.out.println("SKIPPED DaemonEndToEndIT: berth daemon must run as root; run the tests as root");
        }
        assumeTrue(root, "berth daemon must run as root");
    }

    static List<JsonNode> events(Daemon daemon, String... filters) throws Exception {
        List<String> args = new ArrayList<>(List.of("events", "--format", "json"));
        args.addAll(List.of(filters));
        Cli.Result result = daemon.cli(args.toArray(String[]::new));
        assertEquals(0, result.exit(), result.toString());
        List<JsonNode> events = new ArrayList<>();
        for (String line : result.lines()) {
            events.add(JSON.readTree(line));
        }
        return events;
    }

    /**
     * Checks that {@code all} is the whole log from #1: contiguous, hash-chained, and every event valid
     * against its schema in spec-schemas.
     */
    static void assertChained(List<JsonNode> all) {
        EventSchemas schemas = new EventSchemas();
        for (int i = 0; i < all.size(); i++) {
            assertEquals(List.of(), schemas.validateEnvelope(all.get(i).toString()), all.get(i).toString());
            assertEquals(i + 1, all.get(i).get("sequence").asLong(), "sequence without gap at index " + i);
            if (i > 0) {
                assertEquals(all.get(i - 1).get("hash").asText(), all.get(i).get("previousHash").asText(),
                        "hash chain broken at #" + (i + 1));
            }
        }
    }

    @Test
    void infoVersionPluginsAndTheEventsOfItsOwnStart() throws Exception {
        try (Daemon daemon = new Daemon(tmp).start()) {
            Cli.Result info = daemon.cli("info");
            assertEquals(0, info.exit(), info.toString());
            assertTrue(info.stdout().contains("runc"), info.stdout());
            assertTrue(info.stdout().toLowerCase().contains("cgroup"), info.stdout());
            JsonNode infoJson = JSON.readTree(daemon.cli("info", "--format", "json").stdout());
            assertTrue(List.of("v1", "v2", "hybrid").contains(infoJson.at("/cgroup/mode").asText()), infoJson.toString());
            assertEquals(daemon.root.toString(), infoJson.get("root").asText());
            assertTrue(infoJson.at("/eventLog/head/sequence").asLong() > 0, infoJson.toString());
            for (JsonNode runtime : infoJson.get("runtimes")) {
                if (!runtime.get("usable").asBoolean()) {
                    assertFalse(runtime.get("reason").asText().isBlank(), "an unusable runtime says why: " + runtime);
                }
            }

            Cli.Result version = daemon.cli("version");
            assertEquals(0, version.exit(), version.toString());
            assertTrue(version.stdout().contains("0.1.0"), version.stdout());

            Cli.Result plugins = daemon.cli("plugins");
            assertEquals(0, plugins.exit(), plugins.toString());
            assertFalse(plugins.stdout().contains("dev.berth.engine"), "the engine's own bundles only with -a");
            assertTrue(plugins.stdout().contains("dev.berth.plugin.pull"), plugins.stdout());
            Cli.Result every = daemon.cli("plugins", "-a");
            assertTrue(every.stdout().contains("dev.berth.engine"), every.stdout());
            JsonNode pluginsJson = JSON.readTree(daemon.cli("plugins", "--format", "json").stdout());
            for (JsonNode plugin : pluginsJson.get("plugins")) {
                assertEquals("active", plugin.get("state").asText(), plugin.toString());
            }

            List<JsonNode> all = events(daemon);
            assertChained(all);
            List<String> types = all.stream().map(e -> e.get("type").asText()).toList();
            assertTrue(types.contains("engine.started"), types.toString());
            long installed = all.stream().filter(e -> e.get("type").asText().equals("plugin.installed")).count();
            assertEquals(pluginsJson.get("plugins").size(), installed, "one plugin.installed per bundle");
            JsonNode started = all.stream().filter(e -> e.get("type").asText().equals("engine.started")).findFirst()
                    .orElseThrow();
            assertTrue(started.at("/payload/builtins").size() > 5, started.toString());

            List<JsonNode> onlyEngine = events(daemon, "--filter", "type=engine.started");
            assertEquals(1, onlyEngine.size());
            List<JsonNode> bySubject = events(daemon, "--filter", "subject=dev.berth.engine");
            assertTrue(bySubject.stream().allMatch(e -> e.get("subject").asText().equals("dev.berth.engine")));
            assertFalse(bySubject.isEmpty());
            assertEquals(all.size(), events(daemon, "--since", "1h").size());
            assertEquals(0, events(daemon, "--until", "1h").size());
        }
    }

    @Test
    void theApisFirstAnswerAlreadyFindsEveryStageServing() throws Exception {
        try (Daemon daemon = new Daemon(tmp).startNoWait()) {
            UnixHttp.Response first = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (first == null && System.nanoTime() < deadline) {
                try {
                    first = daemon.http().get("/v1/plugins");
                } catch (IOException notYet) {
                    Thread.sleep(2); // no socket yet, or not listening yet
                }
            }
            assertNotNull(first, "the API never answered:\n" + daemon.output());
            assertEquals(200, first.status(), first.body());
            Map<String, String> states = new java.util.TreeMap<>();
            for (JsonNode plugin : JSON.readTree(first.body()).get("plugins")) {
                states.put(plugin.get("id").asText(), plugin.get("state").asText());
            }
            for (String stage : List.of("dev.berth.plugin.pull", "dev.berth.plugin.expand", "dev.berth.plugin.mount",
                    "dev.berth.plugin.spec", "dev.berth.plugin.runc", "dev.berth.plugin.crun",
                    "dev.berth.plugin.namespaces", "dev.berth.plugin.cgroups", "dev.berth.plugin.capabilities")) {
                assertEquals("active", states.get(stage), stage + " at the API's first answer: " + states);
            }
        }
    }

    @Test
    void auditVerifyFindsATamperedRecordInTheLiveLogAndNamesIt() throws Exception {
        try (Daemon daemon = new Daemon(tmp).start()) {
            for (int i = 0; i < 5; i++) {
                assertEquals(0, daemon.cli("note", "audited note " + i).exit());
            }
            Cli.Result intact = daemon.cli("audit", "verify");
            assertEquals(0, intact.exit(), intact.toString());
            assertTrue(intact.stdout().contains("event log intact: records #1 to #"), intact.stdout());
            JsonNode head = JSON.readTree(daemon.cli("info", "--format", "json").stdout()).at("/eventLog/head");
            assertTrue(intact.stdout().contains(head.get("hash").asText()), "the chain head, as berth info shows it: "
                    + intact.stdout());

            // One byte of a record in the middle of the log, changed while the daemon runs.
            Path segment;
            try (java.util.stream.Stream<Path> files = Files.list(daemon.root.resolve("events"))) {
                segment = files.filter(f -> f.toString().endsWith(".log")).sorted().findFirst().orElseThrow();
            }
            byte[] bytes = Files.readAllBytes(segment);
            int at = bytes.length / 2;
            byte original = bytes[at];
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(segment,
                    java.nio.file.StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (original ^ 0x20)}), at);
                Cli.Result damaged = daemon.cli("audit", "verify");
                assertEquals(1, damaged.exit(), damaged.toString());
                assertTrue(damaged.stderr().contains("event log damaged: record #")
                        && damaged.stderr().contains(segment.getFileName().toString()), damaged.toString());
                JsonNode json = JSON.readTree(daemon.cli("audit", "verify", "--format", "json").stdout());
                assertFalse(json.get("intact").asBoolean());
                assertTrue(json.at("/damage/sequence").asLong() > json.get("verifiedThrough").asLong(), json.toString());
                Cli.Result past = daemon.cli("audit", "verify", "--from", String.valueOf(json.get("head").asLong() + 1));
                assertEquals(0, past.exit(), past.toString());
                assertTrue(past.stdout().contains("nothing to check"), past.stdout());
                channel.write(java.nio.ByteBuffer.wrap(new byte[] {original}), at);
            }
            assertEquals(0, daemon.cli("audit", "verify").exit(), "intact again once the byte is back");
            for (String bad : List.of("0", "-3", "abc")) {
                Cli.Result usage = daemon.cli("audit", "verify", "--from", bad);
                assertEquals(2, usage.exit(), usage.toString());
                assertTrue(usage.stderr().contains("--from"), usage.toString());
            }
            assertEquals(400, daemon.http().get("/v1/audit/verify?from=x").status());
            assertEquals(2, daemon.cli("audit").exit(), "a subcommand is needed");
            assertEquals(2, daemon.cli("audit", "check").exit(), "only verify exists");
        }
    }

    @Test
    void aCleanRestartReplaysAndLogsNoSpuriousPluginEvents() throws Exception {
        Daemon daemon = new Daemon(tmp);
        daemon.start();
        long firstHead = JSON.readTree(daemon.cli("info", "--format", "json").stdout()).at("/eventLog/head/sequence").asLong();
        assertEquals(0, daemon.stop(), daemon.output());
        try (Daemon again = daemon.start()) {
            List<JsonNode> after = events(again).stream().filter(e -> e.get("sequence").asLong() > firstHead).toList();
            List<String> types = after.stream().map(e -> e.get("type").asText()).toList();
            assertEquals(List.of("engine.stopped", "engine.started"), types);
            assertTrue(Files.exists(again.root.resolve("checkpoints/engine.json")), "a checkpoint was written at stop");
            JsonNode info = JSON.readTree(again.cli("info", "--format", "json").stdout());
            assertTrue(info.at("/eventLog/start").asText().contains("restored"), info.at("/eventLog").toString());
            assertChained(events(again));
        }
    }

    @Test
    void everyAcknowledgedEventSurvivesSigkill() throws Exception {
        Daemon daemon = new Daemon(tmp);
        daemon.start();
        UnixHttp http = daemon.http();
        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int client = c;
            Thread thread = new Thread(() -> {
                for (int i = 0; ; i++) {
                    String message = "client " + client + " note " + i;
                    try {
                        UnixHttp.Response response = http.post("/v1/notes", "{\"message\":\"" + message + "\"}");
                        if (response.status() == 201) {
                            acknowledged.put(JSON.readTree(response.body()).get("sequence").asLong(), message);
                        }
                    } catch (IOException e) {
                        return; // the daemon died under us: expected
                    }
                }
            });
            thread.start();
            clients.add(thread);
        }
        Thread.sleep(2_000);
        daemon.kill();
        for (Thread thread : clients) {
            thread.join(30_000);
        }
        assertTrue(acknowledged.size() > 50, "clients got " + acknowledged.size() + " acknowledgements");
        try (Daemon again = daemon.start()) {
            List<JsonNode> all = events(again);
            assertChained(all);
            Map<Long, String> notes = all.stream().filter(e -> e.get("type").asText().equals("note.added"))
                    .collect(Collectors.toMap(e -> e.get("sequence").asLong(), e -> e.at("/payload/message").asText()));
            List<Long> lost = acknowledged.keySet().stream()
                    .filter(seq -> !acknowledged.get(seq).equals(notes.get(seq))).sorted().toList();
            System.out.println("SIGKILL test: " + acknowledged.size() + " acknowledged notes, " + notes.size()
                    + " notes in the log after restart, lost " + lost.size());
            assertEquals(List.of(), lost, "acknowledged events missing or changed after SIGKILL");
        }
    }

    @Test
    void withoutADaemonTheCliSaysSoInOneLine() throws Exception {
        Cli.Result result = Cli.run(List.of("-H", "unix://" + tmp.resolve("none/berth.sock"), "info"));
        assertNotEquals(0, result.exit(), result.toString());
        List<String> lines = (result.stdout() + result.stderr()).lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), result.toString());
        assertTrue(lines.get(0).contains("berth daemon"), lines.get(0));
        assertTrue(lines.get(0).contains(tmp.resolve("none/berth.sock").toString()), lines.get(0));
    }

    /** A named hostile request: what is sent, the status expected, and a word the error must contain. */
    record Hostile(String name, String method, String target, String body, int status, String mentions) {
    }

    @Test
    void malformedRequestsGetAClearErrorAndChangeNothing() throws Exception {
        List<Hostile> cases = List.of(
                new Hostile("NotJson", "POST", "/v1/notes", "{message: hi", 400, "JSON"),
                new Hostile("JsonArray", "POST", "/v1/notes", "[1,2]", 400, "JSON object"),
                new Hostile("MessageWrongType", "POST", "/v1/notes", "{\"message\": 42}", 400, "message"),
                new Hostile("MessageMissing", "POST", "/v1/notes", "{}", 400, "message"),
                new Hostile("MessageBlank", "POST", "/v1/notes", "{\"message\": \"  \"}", 400, "message"),
                new Hostile("UnknownField", "POST", "/v1/notes", "{\"message\":\"x\",\"rm\":true}", 400, "rm"),
                new Hostile("SubjectControlChars", "POST", "/v1/notes", "{\"message\":\"x\",\"subject\":\"a\\u0000b\"}", 400, "subject"),
                new Hostile("SubjectWrongType", "POST", "/v1/notes", "{\"message\":\"x\",\"subject\":[]}", 400, "subject"),
                new Hostile("HugeBody", "POST", "/v1/notes", "{\"message\":\"" + "x".repeat(200_000) + "\"}", 413, "larger"),
                new Hostile("MessageTooLong", "POST", "/v1/notes", "{\"message\":\"" + "x".repeat(5000) + "\"}", 400, "longer"),
                new Hostile("UnknownEndpoint", "GET", "/v1/volumes/../../etc/passwd", null, 404, "no such endpoint"),
                new Hostile("TraversalInContainerId", "GET", "/v1/containers/../../etc/passwd", null, 400,
                        "must not contain"),
                new Hostile("WrongMethod", "DELETE", "/v1/events", null, 405, "DELETE"),
                new Hostile("BadSince", "GET", "/v1/events?since=yesterday", null, 400, "since"),
                new Hostile("UntilBeforeSince", "GET", "/v1/events?since=1h&until=2h", null, 400, "before"),
                new Hostile("UnknownParameter", "GET", "/v1/events?sincee=1h", null, 400, "sincee"),
                new Hostile("FromNotANumber", "GET", "/v1/events?from=abc", null, 400, "from"),
                new Hostile("FromZero", "GET", "/v1/events?from=0", null, 400, "from"),
                new Hostile("RepeatedSince", "GET", "/v1/events?since=1h&since=2h", null, 400, "since"),
                new Hostile("BadTypeFilter", "GET", "/v1/events?type=%3Cscript%3E", null, 400, "type"),
                new Hostile("BadFollow", "GET", "/v1/events?follow=maybe", null, 400, "follow"),
                new Hostile("PullNotJson", "POST", "/v1/images/pull", "busybox", 400, "JSON"),
                new Hostile("PullReferenceWrongType", "POST", "/v1/images/pull", "{\"reference\": 7}", 400, "reference"),
                new Hostile("PullBadReference", "POST", "/v1/images/pull", "{\"reference\": \"../../etc\"}", 400, "invalid image reference"),
                new Hostile("PullHeaderInjection", "POST", "/v1/images/pull", "{\"reference\": \"a\\nHost: x\"}", 400, "whitespace"),
                new Hostile("PullBadPlatform", "POST", "/v1/images/pull", "{\"reference\": \"busybox\", \"platform\": \"linux\"}", 400, "platform"),
                new Hostile("PullUnknownField", "POST", "/v1/images/pull", "{\"reference\": \"busybox\", \"force\": 1}", 400, "force"),
                new Hostile("InspectWithoutReference", "GET", "/v1/images/inspect", null, 400, "reference"),
                new Hostile("InspectUnknownImage", "GET", "/v1/images/inspect?reference=nothing", null, 404, "no such image"),
                new Hostile("RemoveUnknownImage", "DELETE", "/v1/images?reference=nothing", null, 404, "no such image"),
                new Hostile("TagUnknownImage", "POST", "/v1/images/tag", "{\"source\": \"nothing\", \"target\": \"x\"}", 404, "no such image"),
                new Hostile("PruneBadGrace", "POST", "/v1/images/prune?grace=-1", null, 400, "grace"),
                new Hostile("LoadRelativePath", "POST", "/v1/images/load", "{\"archive\": \"x.tar\"}", 400, "absolute"),
                new Hostile("SaveNoImages", "POST", "/v1/images/save", "{\"references\": [], \"target\": \"/tmp/x.tar\"}", 400, "references"),
                new Hostile("SaveUnknownImage", "POST", "/v1/images/save", "{\"references\": [\"nothing\"], \"target\": \"/tmp/x.tar\"}", 200, "no such image"),
                new Hostile("LoginWithoutPassword", "POST", "/v1/auth", "{\"registry\": \"127.0.0.1:1\", \"username\": \"u\"}", 400, "password"));
        try (Daemon daemon = new Daemon(tmp).start()) {
            UnixHttp http = daemon.http();
            long head = JSON.readTree(http.get("/v1/info").body()).at("/eventLog/head/sequence").asLong();
            List<String> failures = new ArrayList<>();
            for (Hostile c : cases) {
                UnixHttp.Response response = http.exchange(c.method(), c.target(),
                        c.body() == null ? null : "application/json",
                        c.body() == null ? null : c.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                String message = "";
                try {
                    JsonNode body = JSON.readTree(response.body());
                    // Streamed operations answer 200 and end with {"error": ...}.
                    message = body.has("message") ? body.get("message").asText() : body.get("error").asText();
                } catch (Exception e) {
                    failures.add(c.name() + ": body is not a JSON error: " + response.body());
                }
                if (response.status() != c.status() || !message.contains(c.mentions())) {
                    failures.add(c.name() + ": expected " + c.status() + " mentioning \"" + c.mentions() + "\", got "
                            + response.status() + " " + response.body());
                }
            }
            assertEquals(List.of(), failures);
            long after = JSON.readTree(http.get("/v1/info").body()).at("/eventLog/head/sequence").asLong();
            assertEquals(head, after, "a rejected request appended events");
            assertEquals(201, http.post("/v1/notes", "{\"message\":\"still serving\"}").status());
        }
    }

    static Path writeBundle(Path file, String version) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", "dev.berth.itest.hello");
        main.putValue("Bundle-Version", version);
        main.putValue("Berth-Kind", "stage");
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(temporary); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.putNextEntry(new java.util.jar.JarEntry("hello.txt"));
            jar.write(("hello " + version).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        // Move into place in one step so FileInstall never sees half a jar.
        return Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static JsonNode waitForPlugin(Daemon daemon, String id, java.util.function.Predicate<JsonNode> condition)
            throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            JsonNode plugins = JSON.readTree(daemon.http().get("/v1/plugins").body()).get("plugins");
            last = null;
            for (JsonNode plugin : plugins) {
                if (plugin.get("id").asText().equals(id)) {
                    last = plugin;
                }
            }
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("plugin " + id + " never reached the expected state; last seen " + last);
    }

    @Test
    void thePluginsFolderIsHotDeployedWithoutARestart() throws Exception {
        try (Daemon daemon = new Daemon(tmp).start()) {
            long pid = daemon.pid();
            Path jar = daemon.plugins.resolve("hello.jar");
            writeBundle(jar, "1.0.0");
            JsonNode installed = waitForPlugin(daemon, "dev.berth.itest.hello",
                    p -> p != null && p.get("state").asText().equals("active"));
            assertEquals("1.0.0", installed.get("version").asText());
            assertEquals("stage", installed.get("kind").asText());

            writeBundle(jar, "1.0.1");
            waitForPlugin(daemon, "dev.berth.itest.hello", p -> p != null && p.get("version").asText().equals("1.0.1")
                    && p.get("state").asText().equals("active"));

            Files.delete(jar);
            waitForPlugin(daemon, "dev.berth.itest.hello", p -> p == null);

            List<String> history = events(daemon, "--filter", "subject=dev.berth.itest.hello").stream()
                    .map(e -> e.get("type").asText()).toList();
            assertEquals("plugin.installed", history.get(0), history.toString());
            assertTrue(history.contains("plugin.started"), history.toString());
            assertTrue(history.contains("plugin.updated"), history.toString());
            assertEquals("plugin.uninstalled", history.get(history.size() - 1), history.toString());
            assertEquals(pid, daemon.pid(), "same daemon process throughout");
            assertEquals(0, daemon.cli("info").exit());
        }
    }

    @Test
    void followStreamsHistoryThenLiveWithNoGapAndNoDuplicate() throws Exception {
        try (Daemon daemon = new Daemon(tmp).start()) {
            List<String> command = new ArrayList<>(List.of(Daemon.BERTH.toString(), "-H", "unix://" + daemon.socket(),
                    "events", "--follow", "--format", "json"));
            Process follow = new ProcessBuilder(command).redirectErrorStream(true).start();
            List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread reader = new Thread(() -> {
                try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(follow.getInputStream()))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("reader: " + e);
                }
            });
            reader.start();
            UnixHttp http = daemon.http();
            List<Thread> writers = new ArrayList<>();
            long[] last = {0};
            for (int w = 0; w < 4; w++) {
                Thread writer = new Thread(() -> {
                    for (int i = 0; i < 100; i++) {
                        try {
                            long seq = JSON.readTree(http.post("/v1/notes", "{\"message\":\"live " + i + "\"}").body())
                                    .get("sequence").asLong();
                            synchronized (last) {
                                last[0] = Math.max(last[0], seq);
                            }
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                });
                writer.start();
                writers.add(writer);
            }
            for (Thread writer : writers) {
                writer.join();
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline) {
                synchronized (lines) {
                    if (!lines.isEmpty() && lines.get(lines.size() - 1).contains("\"sequence\":" + last[0] + ",")) {
                        break;
                    }
                }
                Thread.sleep(50);
            }
            follow.destroy();
            reader.join(10_000);
            List<JsonNode> seen = new ArrayList<>();
            synchronized (lines) {
                for (String line : lines) {
                    seen.add(JSON.readTree(line));
                }
            }
            assertChained(seen);
            assertEquals(last[0], seen.get(seen.size() - 1).get("sequence").asLong());
            assertEquals(400, seen.stream().filter(e -> e.get("type").asText().equals("note.added")).count());
        }
    }

    @Test
    void damageInTheMiddleOfTheLogStopsTheDaemonNamingFileAndOffset() throws Exception {
        Daemon daemon = new Daemon(tmp);
        daemon.start();
        for (int i = 0; i < 20; i++) {
            assertEquals(201, daemon.http().post("/v1/notes", "{\"message\":\"note " + i + "\"}").status());
        }
        assertEquals(0, daemon.stop(), daemon.output());
        Path segment;
        try (Stream<Path> files = Files.list(daemon.root.resolve("events"))) {
            segment = files.filter(f -> f.getFileName().toString().startsWith("segment-")).sorted().findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(segment);
        int target = indexOf(bytes, "note 10".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(target > 0, "note 10 is in " + segment);
        bytes[target] ^= 0x01;
        Files.write(segment, bytes);

        int exit = daemon.startExpectingExit();
        String output = daemon.output();
        assertNotEquals(0, exit, output);
        assertTrue(output.contains(segment.getFileName().toString()), output);
        assertTrue(output.contains("offset"), output);
        assertFalse(Files.exists(daemon.socket()) && output.contains("berth daemon ready"), output);
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void aFullDiskFailsTheRequestClearlyLosesNothingAndTheEngineKeepsServing() throws Exception {
        Path small = tmp.resolve("small");
        Files.createDirectories(small);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString())
                .redirectErrorStream(true).start();
        String mountOutput = new String(mount.getInputStream().readAllBytes());
        if (mount.waitFor() != 0) {
            System.out.println("SKIPPED full-disk test: cannot mount a tmpfs here: " + mountOutput);
            assumeTrue(false, "cannot mount a tmpfs: " + mountOutput);
        }
        try {
            // Only the state root is on the small disk; the run folder holds Felix's bundle cache.
            Daemon daemon = new Daemon(small.resolve("root"), tmp.resolve("run"), tmp.resolve("plugins"));
            daemon.start();
            try {
                // Room to free later, so the test can show the engine recovers once space is back.
                Path ballast = Files.write(small.resolve("ballast"), new byte[256 * 1024]);
                UnixHttp http = daemon.http();
                Map<Long, String> acknowledged = new java.util.HashMap<>();
                UnixHttp.Response refused = null;
                for (int i = 0; i < 2_000 && refused == null; i++) {
                    String message = i + " " + "x".repeat(4000);
                    UnixHttp.Response response = http.post("/v1/notes", "{\"message\":\"" + message + "\"}");
                    if (response.status() == 201) {
                        acknowledged.put(JSON.readTree(response.body()).get("sequence").asLong(), message);
                    } else {
                        refused = response;
                    }
                }
                assertTrue(refused != null, "the 2 MB disk never filled up");
                assertEquals(503, refused.status(), refused.body());
                String error = JSON.readTree(refused.body()).get("message").asText();
                assertTrue(error.contains("No space left on device") && error.contains("note"), error);

                // Still serving, and everything acknowledged is there.
                assertEquals(0, daemon.cli("info").exit());
                Map<Long, String> notes = new java.util.HashMap<>();
                for (String line : http.get("/v1/events?type=note.added").body().lines().toList()) {
                    JsonNode event = JSON.readTree(line);
                    notes.put(event.get("sequence").asLong(), event.at("/payload/message").asText());
                }
                assertEquals(acknowledged, notes, "acknowledged notes after the disk filled up");

                Files.delete(ballast);
                UnixHttp.Response again = http.post("/v1/notes", "{\"message\":\"space is back\"}");
                assertEquals(201, again.status(), again.body());
                assertChained(events(daemon));
            } finally {
                daemon.close();
            }
        } finally {
            new ProcessBuilder("umount", "-l", small.toString()).start().waitFor();
        }
    }

    @Test
    void anUnwritableStateRootStopsTheDaemonWithAClearMessage() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a folder");
        List<String> command = List.of(Daemon.BERTH.toString(), "daemon", "--root", file.resolve("root").toString(),
                "--run", tmp.resolve("run").toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertNotEquals(0, process.exitValue(), output);
        assertTrue(output.contains(file.resolve("root").toString()), output);
        assertEquals(1, output.lines().filter(l -> !l.isBlank()).count(), "one line: " + output);
    }
}
