package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.itests.plugins.FaultyPlugins;
import dev.berth.itests.plugins.PluginJar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hot-swap end to end, through the {@code berth} CLI against a real daemon with real runc/crun: plugins
 * installed, updated, stopped, removed and swapped while containers run and calls are under way; faulty
 * plugins (in the test sources: {@link FaultyPlugins}) that throw, hang or fail to activate; jars that
 * cannot run here refused before anything is installed; hot deploy by copying into the plugins folder.
 * The daemon runs with a 3 s stage timeout so that a hanging plugin is caught quickly.
 */
@ContainerTestBase.DaemonArguments({"--stage-timeout", "3"})
class PluginHotSwapIT extends ContainerTestBase {

    private static final String PULL = "dev.berth.plugin.pull";
    private static final String SPEC = "dev.berth.plugin.spec";
    private static final String RUNC = "dev.berth.plugin.runc";
    private static final String CRUN = "dev.berth.plugin.crun";

    @TempDir
    Path jars;

    @BeforeAll
    static void builtInsServe() throws Exception {
        assertEquals(PULL, serving("pull"));
    }

    @AfterEach
    void backToBuiltIns() throws Exception {
        for (JsonNode c : containers(true)) {
            berth("rm", "-f", c.path("id").asText());
        }
        for (String id : List.of(RUNC, CRUN, PULL, SPEC)) {
            berth("plugin", "start", id);
        }
        berth("plugin", "use", PULL);
        berth("runtime", "default", "runc");
        for (String id : List.of(FaultyPlugins.THROWING_BSN, FaultyPlugins.HANGING_BSN, FaultyPlugins.ECHO_BSN)) {
            if (plugin(id) != null) {
                Cli.Result rm = berth("plugin", "rm", id);
                assertEquals(0, rm.exit(), rm.toString());
            }
        }
    }

    // ---- swap semantics -------------------------------------------------------------------------------

    @Test
    void runtimeDefaultSwapsFromRuncToCrunWhileContainersRun() throws Exception {
        assumeUsable("crun");
        Cli.Result old = berth("run", "-d", "--name", "on-runc", image(), "sh", "-c",
                "echo before; trap 'echo bye; exit 3' TERM; while true; do sleep 0.1; done");
        assertEquals(0, old.exit(), old.toString());
        Cli.Result use = berth("plugin", "use", CRUN);
        assertEquals(0, use.exit(), use.toString());
        assertTrue(use.stdout().contains("crun"), use.toString());
        Cli.Result fresh = berth("run", "-d", "--name", "on-crun", image(), "sleep", "1000");
        assertEquals(0, fresh.exit(), fresh.toString());
        assertEquals("runc", inspect("on-runc").path("runtime").asText());
        assertEquals("crun", inspect("on-crun").path("runtime").asText());
        Cli.Result once = berth("run", "--rm", image(), "echo", "new-on-crun");
        assertEquals(0, once.exit(), once.toString());
        assertEquals("new-on-crun", once.stdout().strip());

        // The old container still stops, logs and exits normally through runc.
        Cli.Result stop = berth("stop", "on-runc");
        assertEquals(0, stop.exit(), stop.toString());
        assertEquals(3, inspect("on-runc").path("exitCode").asInt(), inspect("on-runc").toString());
        Cli.Result logs = berth("logs", "on-runc");
        assertTrue(logs.stdout().contains("before") && logs.stdout().contains("bye"), logs.toString());
        assertEquals(0, berth("stop", "-t", "1", "on-crun").exit());
        List<JsonNode> changed = DaemonEndToEndIT.events(daemon, "--filter", "type=runtime.default.changed");
        assertEquals("crun", changed.get(changed.size() - 1).path("payload").path("runtime").asText());
    }

    @Test
    void aStagePluginUpdatedWhileTwentyRunsAreInFlightLosesNoneAndDoesNoneTwice() throws Exception {
        Path specJar = builtInJar(SPEC);
        String before = plugin(SPEC).path("version").asText();
        String newVersion = "0.1.1.itest" + System.nanoTime();
        Path updated = PluginJar.reversion(specJar, jars.resolve("spec-next.jar"), newVersion);
        long mark = lastSequence();

        List<String> failures = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<Cli.Result>> runs = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                String word = "run-" + i;
                runs.add(pool.submit((Callable<Cli.Result>) () -> berth("run", "--rm", image(), "echo", word)));
            }
            Thread.sleep(400); // some are under way, some not yet started
            Cli.Result update = berth("plugin", "update", SPEC, updated.toString());
            assertEquals(0, update.exit(), update.toString());
            int succeeded = 0;
            for (int i = 0; i < runs.size(); i++) {
                Cli.Result result = runs.get(i).get();
                if (result.exit() == 0) {
                    assertEquals("run-" + i, result.stdout().strip(), result.toString());
                    succeeded++;
                } else {
                    // A failure must say what failed, never hang or be silent.
                    assertFalse(result.stderr().isBlank(), "a failed run said nothing: " + result);
                    failures.add("run-" + i + " failed: " + result.stderr().strip());
                    System.out.println("update under load: run-" + i + " failed: " + result.stderr().strip());
                }
            }
            System.out.println("update under load: " + succeeded + " of 20 runs succeeded, version " + before
                    + " -> " + newVersion);
            assertTrue(succeeded > 0, "no run got through the update");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(newVersion, plugin(SPEC).path("version").asText());

        // Exactly one outcome per call: every container created since the mark was removed once, and exited
        // once if it started (a run that failed before its start has no exit).
        Map<String, List<String>> bySubject = new HashMap<>();
        for (JsonNode event : DaemonEndToEndIT.events(daemon)) {
            if (event.path("sequence").asLong() > mark && event.path("type").asText().startsWith("container.")) {
                bySubject.computeIfAbsent(event.path("subject").asText(), k -> new ArrayList<>())
                        .add(event.path("type").asText());
            }
        }
        for (Map.Entry<String, List<String>> container : bySubject.entrySet()) {
            List<String> types = container.getValue();
            String told = container + "; the runs that failed: " + failures;
            assertEquals(1, types.stream().filter("container.created"::equals).count(), told);
            long started = types.stream().filter("container.started"::equals).count();
            assertTrue(started <= 1, told);
            assertEquals(started, types.stream().filter("container.exited"::equals).count(), told);
            assertEquals(1, types.stream().filter("container.removed"::equals).count(), told);
        }
        assertTrue(bySubject.size() <= 20, bySubject.keySet().toString());
        JsonNode update = lastEvent("plugin.updated", SPEC);
        assertEquals(before, update.path("payload").path("fromVersion").asText(), update.toString());
        assertEquals(newVersion, update.path("payload").path("toVersion").asText(), update.toString());
        assertTrue(Files.isRegularFile(daemon.root.resolve("builtins").resolve(SPEC + ".jar")),
                "an updated built-in is kept for the next start");

        // Back to the distribution's build, by the same command.
        Cli.Result back = berth("plugin", "update", SPEC, specJar.toString());
        assertEquals(0, back.exit(), back.toString());
        assertEquals(0, berth("run", "--rm", image(), "true").exit());
    }

    @Test
    void useSwapsTheServingPluginAndTheLogSaysFromWhich() throws Exception {
        Path echo = FaultyPlugins.echo(jars, "1.0.0");
        Cli.Result install = berth("plugin", "install", echo.toString());
        assertEquals(0, install.exit(), install.toString());
        assertEquals(PULL, serving("pull"), "installing does not swap by itself");
        Cli.Result use = berth("plugin", "use", FaultyPlugins.ECHO_BSN);
        assertEquals(0, use.exit(), use.toString());
        assertEquals(FaultyPlugins.ECHO_BSN, serving("pull"));
        Cli.Result pull = berth("pull", image());
        assertNotEquals(0, pull.exit());
        assertTrue(pull.stderr().contains("echo pull stage 1.0.0"), pull.toString());
        JsonNode swapped = lastEvent("plugin.swapped", FaultyPlugins.ECHO_BSN);
        assertEquals("pull", swapped.path("payload").path("stage").asText());
        assertEquals(PULL, swapped.path("payload").path("from").asText());

        // Stopping the chosen plugin hands the stage back to the built-in; starting it takes it again.
        assertEquals(0, berth("plugin", "stop", FaultyPlugins.ECHO_BSN).exit());
        assertEquals(PULL, serving("pull"));
        assertEquals(0, berth("pull", image()).exit());
        assertEquals(0, berth("plugin", "start", FaultyPlugins.ECHO_BSN).exit());
        assertEquals(FaultyPlugins.ECHO_BSN, serving("pull"));
    }

    @Test
    void aRuntimeHoldingContainersIsOnlyStoppedWithForceAndItsContainersStayStoppable() throws Exception {
        Cli.Result run = berth("run", "-d", "--name", "orphan", image(), "sleep", "1000");
        assertEquals(0, run.exit(), run.toString());
        Cli.Result refused = berth("plugin", "stop", RUNC);
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.stderr().contains("orphan") && refused.stderr().contains("--force"), refused.toString());
        assertEquals("active", plugin(RUNC).path("state").asText());

        Cli.Result forced = berth("plugin", "stop", "--force", RUNC);
        assertEquals(0, forced.exit(), forced.toString());
        assertTrue(forced.stdout().contains("orphan"), "the forced stop names the containers it leaves: " + forced);
        assertTrue(berth("ps").stdout().contains("orphan"));
        Cli.Result stop = berth("stop", "-t", "1", "orphan");
        assertEquals(0, stop.exit(), stop.toString());
        JsonNode state = inspect("orphan");
        assertEquals("exited", state.path("status").asText(), state.toString());
        assertEquals(137, state.path("exitCode").asInt(), state.toString());
        assertTrue(lastEvent("container.exited", inspect("orphan").path("id").asText()).path("payload")
                .path("reason").asText().contains("runtime plugin runc was gone"));
        assertNoMountsLeftBehind();
        assertEquals(0, berth("plugin", "start", RUNC).exit());
        assertEquals(0, berth("rm", "orphan").exit());
    }

    @Test
    void aPluginStoppedByTheOperatorStaysStoppedAcrossADaemonRestartUntilStarted() throws Exception {
        assertEquals(0, berth("plugin", "stop", CRUN).exit());
        assertEquals("resolved", plugin(CRUN).path("state").asText());
        assertTrue(plugin(CRUN).path("disabled").asBoolean());
        assertTrue(berth("plugins").stdout().lines().anyMatch(l -> l.startsWith(CRUN) && l.contains("stopped")));
        daemon.stop();
        daemon.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!plugin(CRUN).path("state").asText().equals("resolved") && System.nanoTime() < deadline) {
            Thread.sleep(100); // started by the launcher with every built-in, then stopped again
        }
        assertEquals("resolved", plugin(CRUN).path("state").asText(), "still stopped after the restart");
        Cli.Result run = berth("run", "--rm", "--runtime", "crun", image(), "true");
        assertNotEquals(0, run.exit(), run.toString());
        assertTrue(run.stderr().contains("no runtime plugin named \"crun\""), run.toString());
        assertEquals(0, berth("plugin", "start", CRUN).exit());
        assertEquals("active", plugin(CRUN).path("state").asText());
        assertFalse(plugin(CRUN).path("disabled").asBoolean());
        assertEquals("plugin.enabled", lastEvent("plugin.enabled", CRUN).path("type").asText());
    }

    // ---- faults ---------------------------------------------------------------------------------------

    @Test
    void aPluginThatThrowsIsReportedAndEveryOtherStageKeepsWorking() throws Exception {
        Cli.Result install = berth("plugin", "install", "--use", FaultyPlugins.throwing(jars).toString());
        assertEquals(0, install.exit(), install.toString());
        Cli.Result pull = berth("pull", image());
        assertEquals(1, pull.exit(), pull.toString());
        assertTrue(pull.stderr().contains("plugin " + FaultyPlugins.THROWING_BSN)
                && pull.stderr().contains("deliberate fault"), pull.toString());
        JsonNode failed = lastEvent("plugin.failed", FaultyPlugins.THROWING_BSN);
        assertEquals("pull", failed.path("payload").path("stage").asText());
        assertTrue(plugin(FaultyPlugins.THROWING_BSN).path("failure").asText().contains("deliberate fault"));
        Cli.Result plugins = berth("plugins");
        assertTrue(plugins.stdout().contains("active (failed)"), plugins.toString());

        Cli.Result run = berth("run", "--rm", image(), "echo", "still-serving");
        assertEquals(0, run.exit(), run.toString());
        assertEquals("still-serving", run.stdout().strip());
        assertEquals(0, berth("plugin", "use", PULL).exit());
        assertEquals(0, berth("pull", image()).exit());
    }

    @Test
    void aPluginThatHangsIsAbandonedAfterTheStageTimeout() throws Exception {
        Cli.Result install = berth("plugin", "install", "--use", FaultyPlugins.hanging(jars).toString());
        assertEquals(0, install.exit(), install.toString());
        long start = System.nanoTime();
        Cli.Result pull = berth("pull", image());
        long seconds = (System.nanoTime() - start) / 1_000_000_000;
        assertEquals(1, pull.exit(), pull.toString());
        assertTrue(pull.stderr().contains("did not answer in 3 s"), pull.toString());
        assertTrue(seconds < 60, "the caller waited " + seconds + " s");
        assertTrue(lastEvent("plugin.failed", FaultyPlugins.HANGING_BSN).path("payload").path("reason").asText()
                .contains("abandoned"));
        Cli.Result run = berth("run", "--rm", image(), "echo", "still-serving");
        assertEquals(0, run.exit(), run.toString());
        // The hung call's thread was interrupted, so the plugin can go without waiting for it.
        assertEquals(0, berth("plugin", "use", PULL).exit());
        Cli.Result rm = berth("plugin", "rm", FaultyPlugins.HANGING_BSN);
        assertEquals(0, rm.exit(), rm.toString());
    }

    @Test
    void aPluginThatFailsToActivateIsReportedAndRemovedAgain() throws Exception {
        long mark = lastSequence();
        Cli.Result install = berth("plugin", "install", FaultyPlugins.failingActivation(jars).toString());
        assertEquals(1, install.exit(), install.toString());
        assertTrue(install.stderr().contains("failed to start") && install.stderr().contains(
                "deliberate activation failure") && install.stderr().contains("removed again"), install.toString());
        assertEquals(Set.of(), jarsIn(daemon.plugins));
        assertEquals(null, plugin(FaultyPlugins.ACTIVATION_BSN));
        List<String> types = new ArrayList<>();
        for (JsonNode event : DaemonEndToEndIT.events(daemon, "--filter", "subject=" + FaultyPlugins.ACTIVATION_BSN)) {
            if (event.path("sequence").asLong() > mark) {
                types.add(event.path("type").asText());
            }
        }
        assertTrue(types.contains("plugin.installed") && types.contains("plugin.failed")
                && types.get(types.size() - 1).equals("plugin.uninstalled"), types.toString());
        assertEquals(0, berth("run", "--rm", image(), "true").exit());
    }

    // ---- refusals -------------------------------------------------------------------------------------

    /** A jar that cannot run here, the words the refusal must contain. */
    record Refused(String name, Jar jar, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface Jar {
        Path write(Path dir) throws IOException;
    }

    static Stream<Refused> refusedJars() {
        return Stream.of(
                new Refused("AnotherMajorSpiVersion", FaultyPlugins::incompatibleSpi,
                        "dev.berth.api.stage [9.0.0,10.0.0), but this engine has it only at"),
                new Refused("ImportNobodyExports", FaultyPlugins::missingImport,
                        "com.example.nowhere [1.0.0,2.0.0), which no installed bundle exports"),
                new Refused("NotAJar", dir -> Files.write(dir.resolve("noise.jar"),
                        "this is not a zip".getBytes(StandardCharsets.UTF_8)), "not a bundle the framework can install"),
                new Refused("EmptyFile", dir -> Files.write(dir.resolve("empty.jar"), new byte[0]),
                        "not a bundle the framework can install"),
                new Refused("JarWithoutManifest", dir -> zip(dir.resolve("bare.jar"), Map.of("a/B.class", "x")),
                        "is not"),
                new Refused("ManifestWithoutSymbolicName", dir -> zip(dir.resolve("plain.jar"), Map.of(
                        "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: test\r\n\r\n")),
                        "not an OSGi bundle"),
                new Refused("AlreadyInstalledBuiltIn", dir -> PluginJar.reversion(builtInJar(PULL),
                        dir.resolve("pull-again.jar"), "9.9.9"), "already installed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedJars")
    void aJarThatCannotRunHereIsRefusedBeforeAnythingIsInstalled(Refused refused) throws Exception {
        Path jar = refused.jar().write(jars);
        long mark = lastSequence();
        Set<String> before = jarsIn(daemon.plugins);
        Cli.Result install = berth("plugin", "install", jar.toString());
        assertEquals(1, install.exit(), install.toString());
        assertTrue(install.stderr().contains(refused.expected()), install.toString());
        assertEquals(before, jarsIn(daemon.plugins), "nothing written to the plugins folder");
        try (Stream<Path> leftovers = Files.list(daemon.plugins)) {
            assertEquals(List.of(), leftovers.filter(p -> p.getFileName().toString().endsWith(".part")).toList());
        }
        for (JsonNode event : DaemonEndToEndIT.events(daemon, "--filter", "type=plugin.installed")) {
            assertTrue(event.path("sequence").asLong() <= mark, "a refused jar was logged as installed: " + event);
        }
        assertEquals(0, berth("run", "--rm", image(), "true").exit(), "the engine keeps serving");
    }

    @Test
    void engineBundlesAreNotPlugins() throws Exception {
        for (String id : List.of("dev.berth.engine", "dev.berth.eventlog", "org.apache.felix.scr")) {
            Cli.Result stop = berth("plugin", "stop", id);
            assertEquals(1, stop.exit(), stop.toString());
            assertTrue(stop.stderr().contains("not a plugin"), stop.toString());
        }
        Cli.Result rm = berth("plugin", "rm", PULL);
        assertEquals(1, rm.exit(), rm.toString());
        assertTrue(rm.stderr().contains("built into the distribution"), rm.toString());
        Cli.Result unknown = berth("plugin", "use", "dev.berth.no.such");
        assertEquals(1, unknown.exit(), unknown.toString());
        assertTrue(unknown.stderr().contains("no plugin dev.berth.no.such"), unknown.toString());
    }

    // ---- hot deploy by file -------------------------------------------------------------------------

    @Test
    void hotDeployByCopyingIntoThePluginsFolderInstallsUpdatesAndRemoves() throws Exception {
        Path target = daemon.plugins.resolve("echo.jar");
        copyInto(FaultyPlugins.echo(jars, "1.0.0"), target);
        awaitPlugin(FaultyPlugins.ECHO_BSN, "1.0.0");
        assertEquals(0, berth("plugin", "use", FaultyPlugins.ECHO_BSN).exit());
        assertTrue(berth("pull", image()).stderr().contains("echo pull stage 1.0.0"));

        copyInto(FaultyPlugins.echo(jars, "1.1.0"), target);
        awaitPlugin(FaultyPlugins.ECHO_BSN, "1.1.0");
        assertTrue(berth("pull", image()).stderr().contains("echo pull stage 1.1.0"));
        JsonNode updated = lastEvent("plugin.updated", FaultyPlugins.ECHO_BSN);
        assertEquals("1.0.0", updated.path("payload").path("fromVersion").asText());
        assertEquals("1.1.0", updated.path("payload").path("toVersion").asText());

        Files.delete(target);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (plugin(FaultyPlugins.ECHO_BSN) != null && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(null, plugin(FaultyPlugins.ECHO_BSN));
        assertEquals(PULL, serving("pull"), "with the chosen plugin gone the built-in serves again");
        assertEquals(0, berth("pull", image()).exit());
    }

    @Test
    void aDroppedJarThatDoesNotResolveIsReportedWithTheMissingRequirementInWords() throws Exception {
        Path target = daemon.plugins.resolve("missing.jar");
        copyInto(FaultyPlugins.missingImport(jars), target);
        JsonNode failed = null;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (failed == null && System.nanoTime() < deadline) {
            JsonNode plugin = plugin(FaultyPlugins.MISSING_BSN);
            if (plugin != null && plugin.hasNonNull("failure")) {
                failed = plugin;
            }
            Thread.sleep(100);
        }
        try {
            assertTrue(failed != null, "no failure reported for the unresolvable jar: " + plugin(FaultyPlugins.MISSING_BSN));
            assertEquals("installed", failed.path("state").asText(), failed.toString());
            assertTrue(failed.path("failure").asText().contains(
                    "imports package com.example.nowhere [1.0.0,2.0.0), which no installed bundle exports"), failed.toString());
            JsonNode event = lastEvent("plugin.failed", FaultyPlugins.MISSING_BSN);
            assertTrue(event.path("payload").path("reason").asText().startsWith("does not resolve"), event.toString());
            Cli.Result plugins = berth("plugins");
            assertTrue(plugins.stdout().contains("installed (failed)"), plugins.toString());
            assertEquals(0, berth("run", "--rm", image(), "true").exit(), "the engine keeps serving");
        } finally {
            Files.deleteIfExists(target);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------

    /** Like an operator's cp: written next to the target under another name, then renamed over it. */
    private static void copyInto(Path jar, Path target) throws IOException {
        Path part = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.copy(jar, part, StandardCopyOption.REPLACE_EXISTING);
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void awaitPlugin(String id, String version) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode plugin = plugin(id);
            if (plugin != null && plugin.path("version").asText().equals(version)
                    && plugin.path("state").asText().equals("active") && plugin.path("provides").size() > 0) {
                return;
            }
            Thread.sleep(100);
        }
        fail(id + " " + version + " did not become active: " + plugin(id));
    }

    private static Set<String> jarsIn(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            Set<String> names = new HashSet<>();
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).forEach(names::add);
            return names;
        }
    }

    private static Path zip(Path target, Map<String, String> entries) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(target))) {
            for (Map.Entry<String, String> entry : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(entry.getKey()));
                out.write(entry.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return target;
    }

    /** The distribution's jar of a built-in bundle. */
    static Path builtInJar(String symbolicName) throws IOException {
        try (Stream<Path> jars = Files.list(Daemon.HOME.resolve("bundles"))) {
            for (Path jar : jars.toList()) {
                try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
                    String name = file.getManifest().getMainAttributes().getValue("Bundle-SymbolicName");
                    if (name != null && name.split(";")[0].trim().equals(symbolicName)) {
                        return jar;
                    }
                }
            }
        }
        throw new AssertionError("no built-in jar for " + symbolicName);
    }

    /** The daemon's entry for plugin {@code id}, or null when it has none. */
    private static JsonNode plugin(String id) throws IOException {
        UnixHttp.Response response = daemon.http().get("/v1/plugins");
        assertEquals(200, response.status(), response.body());
        for (JsonNode plugin : JSON.readTree(response.body()).path("plugins")) {
            if (plugin.path("id").asText().equals(id) && !plugin.path("state").asText().equals("uninstalled")) {
                return plugin;
            }
        }
        return null;
    }

    /** The plugin serving {@code stage} now. */
    private static String serving(String stage) throws IOException {
        UnixHttp.Response response = daemon.http().get("/v1/plugins");
        return JSON.readTree(response.body()).path("stages").path(stage).path("active").path("plugin").asText();
    }

    private static JsonNode inspect(String name) throws Exception {
        Cli.Result result = berth("inspect", name);
        assertEquals(0, result.exit(), result.toString());
        JsonNode node = JSON.readTree(result.stdout());
        return node.isArray() ? node.get(0) : node;
    }

    private static long lastSequence() throws Exception {
        List<JsonNode> all = DaemonEndToEndIT.events(daemon);
        return all.isEmpty() ? 0 : all.get(all.size() - 1).path("sequence").asLong();
    }

    private static JsonNode lastEvent(String type, String subject) throws Exception {
        List<JsonNode> events = DaemonEndToEndIT.events(daemon, "--filter", "type=" + type);
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).path("subject").asText().equals(subject)) {
                return events.get(i);
            }
        }
        throw new AssertionError("no " + type + " event for " + subject);
    }
}
