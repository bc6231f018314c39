package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code berth plugin}: usage errors are found before the daemon is contacted (a {@link ScriptedDaemon} that
 * would answer every request records none), and well-formed commands post the right body to the right route.
 */
class PluginCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path folder;

    private final CapturedOutput out = new CapturedOutput();
    private final CapturedOutput err = new CapturedOutput();
    private ScriptedDaemon daemon;
    private Path jar;

    @BeforeEach
    void start() throws Exception {
        daemon = new ScriptedDaemon(folder, (request, stream) -> ScriptedDaemon.json(stream, 200,
                "{\"id\":\"dev.berth.plugin.crun\",\"version\":\"1.0.0\",\"state\":\"active\",\"plugin\":"
                        + "\"dev.berth.plugin.crun\",\"stage\":\"runtime\"}"));
        jar = Files.writeString(folder.resolve("crun.jar"), "the daemon reads it, the CLI only checks it exists");
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    private int berth(String... args) {
        List<String> all = new ArrayList<>(List.of("-H", daemon.uri()));
        all.addAll(List.of(args));
        return Cli.run(all, Map.of(), out.stream(), err.stream());
    }

    private String firstErrorLine() {
        return err.text().lines().findFirst().orElse("");
    }

    /** Arguments with {@code JAR} standing for an existing jar and {@code MISSING} for a path that is not there. */
    private String[] resolve(List<String> args) {
        return args.stream().map(a -> a.replace("JAR", jar.toString())
                .replace("MISSING", folder.resolve("nope.jar").toString())
                .replace("FOLDER", folder.toString())).toArray(String[]::new);
    }

    static Stream<Arguments> usageErrors() {
        String subs = "(install, update, stop, start, rm, use)";
        return Stream.of(
                Arguments.of("MissingSubcommand", List.of("plugin"), "berth plugin: missing subcommand " + subs),
                Arguments.of("UnknownSubcommand", List.of("plugin", "upgrade", "x"),
                        "berth plugin: unknown subcommand 'upgrade' " + subs),
                Arguments.of("RemoveIsTheApiWordNotTheCli", List.of("plugin", "remove", "x"),
                        "berth plugin: unknown subcommand 'remove' " + subs),
                Arguments.of("SubcommandInOtherCase", List.of("plugin", "Install", "JAR"),
                        "berth plugin: unknown subcommand 'Install' " + subs),
                Arguments.of("InstallWithoutFile", List.of("plugin", "install"),
                        "berth plugin: install takes one FILE.jar"),
                Arguments.of("InstallTwoFiles", List.of("plugin", "install", "JAR", "JAR"),
                        "berth plugin: install takes one FILE.jar"),
                Arguments.of("InstallMissingFile", List.of("plugin", "install", "MISSING"),
                        "berth plugin: MISSING: no such file"),
                Arguments.of("InstallRelativeMissingFile", List.of("plugin", "install", "no/such/dir/crun.jar"),
                        "berth plugin: no/such/dir/crun.jar: no such file"),
                Arguments.of("InstallAFolder", List.of("plugin", "install", "FOLDER"),
                        "berth plugin: FOLDER: no such file"),
                Arguments.of("UpdateWithoutAnything", List.of("plugin", "update"),
                        "berth plugin: update takes a plugin ID and a FILE.jar"),
                Arguments.of("UpdateWithoutFile", List.of("plugin", "update", "dev.berth.plugin.crun"),
                        "berth plugin: update takes a plugin ID and a FILE.jar"),
                Arguments.of("UpdateWithExtra", List.of("plugin", "update", "dev.berth.plugin.crun", "JAR", "more"),
                        "berth plugin: update takes a plugin ID and a FILE.jar"),
                Arguments.of("UpdateMissingFile", List.of("plugin", "update", "dev.berth.plugin.crun", "MISSING"),
                        "berth plugin: MISSING: no such file"),
                Arguments.of("StopWithoutId", List.of("plugin", "stop"), "berth plugin: stop takes one plugin ID"),
                Arguments.of("StopTwoIds", List.of("plugin", "stop", "a", "b"), "berth plugin: stop takes one plugin ID"),
                Arguments.of("StartWithoutId", List.of("plugin", "start"), "berth plugin: start takes one plugin ID"),
                Arguments.of("RmWithoutId", List.of("plugin", "rm"), "berth plugin: rm takes one plugin ID"),
                Arguments.of("RmTwoIds", List.of("plugin", "rm", "a", "b"), "berth plugin: rm takes one plugin ID"),
                Arguments.of("UseWithoutId", List.of("plugin", "use"), "berth plugin: use takes one plugin ID"),
                Arguments.of("UseTwoIds", List.of("plugin", "use", "a", "b"), "berth plugin: use takes one plugin ID"),
                Arguments.of("UnknownOption", List.of("plugin", "stop", "x", "--all"),
                        "berth plugin: unknown option --all"),
                Arguments.of("StageWithoutValue", List.of("plugin", "use", "x", "--stage"),
                        "berth plugin: option --stage needs a value (STAGE)"),
                Arguments.of("ForceWithAValue", List.of("plugin", "rm", "x", "--force=yes"),
                        "berth plugin: option --force takes no value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usageErrors")
    void usageErrorsAreReportedWithoutContactingTheDaemon(String name, List<String> args, String message) {
        String[] resolved = resolve(args);

        int code = berth(resolved);

        assertEquals(2, code, err.text());
        assertEquals(resolve(List.of(message))[0], firstErrorLine());
        assertTrue(err.text().contains("Usage: berth plugin"), err.text());
        assertEquals("", out.text());
        assertEquals(List.of(), daemon.lines(), "the daemon was contacted");
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of("Install", List.of("plugin", "install", "JAR"), "/v1/plugins/install",
                        "{\"file\":\"JAR\",\"use\":false}"),
                Arguments.of("InstallAndUse", List.of("plugin", "install", "--use", "JAR"), "/v1/plugins/install",
                        "{\"file\":\"JAR\",\"use\":true}"),
                Arguments.of("InstallNormalisesThePath", List.of("plugin", "install", "FOLDER/sub/../crun.jar"),
                        "/v1/plugins/install", "{\"file\":\"JAR\",\"use\":false}"),
                Arguments.of("Update", List.of("plugin", "update", "dev.berth.plugin.crun", "JAR"),
                        "/v1/plugins/update", "{\"id\":\"dev.berth.plugin.crun\",\"file\":\"JAR\"}"),
                Arguments.of("Stop", List.of("plugin", "stop", "dev.berth.plugin.crun"), "/v1/plugins/stop",
                        "{\"id\":\"dev.berth.plugin.crun\",\"force\":false}"),
                Arguments.of("StopForce", List.of("plugin", "stop", "-f", "dev.berth.plugin.crun"), "/v1/plugins/stop",
                        "{\"id\":\"dev.berth.plugin.crun\",\"force\":true}"),
                Arguments.of("Start", List.of("plugin", "start", "dev.berth.plugin.crun"), "/v1/plugins/start",
                        "{\"id\":\"dev.berth.plugin.crun\"}"),
                Arguments.of("RmIsRemove", List.of("plugin", "rm", "--force", "dev.berth.plugin.crun"),
                        "/v1/plugins/remove", "{\"id\":\"dev.berth.plugin.crun\",\"force\":true}"),
                Arguments.of("Use", List.of("plugin", "use", "dev.berth.plugin.crun"), "/v1/plugins/use",
                        "{\"id\":\"dev.berth.plugin.crun\"}"),
                Arguments.of("UseWithStage", List.of("plugin", "use", "--stage", "runtime", "dev.berth.plugin.crun"),
                        "/v1/plugins/use", "{\"id\":\"dev.berth.plugin.crun\",\"stage\":\"runtime\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void wellFormedCommandsPostTheirBodyToTheirRoute(String name, List<String> args, String route, String body)
            throws Exception {
        int code = berth(resolve(args));

        assertEquals(0, code, err.text());
        assertEquals(List.of("POST " + route + " HTTP/1.1"), daemon.lines());
        JsonNode expected = JSON.readTree(resolve(List.of(body))[0]);
        assertEquals(expected, JSON.readTree(daemon.requests.get(0).body()));
        assertTrue(Path.of(expected.path("file").asText("/")).isAbsolute());
        assertEquals("", err.text());
    }

    @Test
    void aRelativeJarIsSentAsAnAbsolutePath() throws Exception {
        String relative = Path.of("").toAbsolutePath().relativize(jar).toString();

        int code = berth("plugin", "install", relative);

        assertEquals(0, code, err.text());
        assertEquals(jar.toString(), JSON.readTree(daemon.requests.get(0).body()).path("file").asText());
    }

    @Test
    void theAnswerIsShownInWords() {
        assertEquals(0, berth("plugin", "stop", "dev.berth.plugin.crun"));

        assertEquals("Stopped dev.berth.plugin.crun 1.0.0: active\n", out.text());
    }

    @Test
    void helpListsTheSubcommands() {
        int code = Cli.run(List.of("plugin", "--help"), Map.of(), out.stream(), err.stream());

        assertEquals(0, code);
        for (String sub : List.of("install FILE.jar", "update ID FILE.jar", "stop ID", "start ID", "rm ID", "use ID")) {
            assertTrue(out.text().contains(sub), sub + " missing from:\n" + out.text());
        }
        assertEquals(List.of(), daemon.lines());
    }

    /**
     * Bug: PluginCommand.run posts the change first and checks {@code --format} only afterwards (the call to
     * {@code json(args)} follows {@code postJson}), so {@code berth plugin stop ID --format yaml} stops the plugin
     * and then fails with a usage error. Every other usage error of the command is found before the daemon is
     * contacted (and PluginsCommand checks --format first).
     */
    @Test
    void anUnknownFormatIsAUsageErrorBeforeAnythingChanges() {
        int code = berth("plugin", "stop", "dev.berth.plugin.crun", "--format", "yaml");

        assertEquals(2, code, err.text());
        assertEquals("berth plugin: unknown format 'yaml' (use --format json)", firstErrorLine());
        assertEquals(List.of(), daemon.lines(), "the plugin was stopped although the command was refused");
    }
}
