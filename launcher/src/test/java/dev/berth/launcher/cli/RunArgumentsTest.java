package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How {@code run}, {@code create} and {@code exec} split their command lines and build their requests. */
class RunArgumentsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ENV = Map.of("HOME", "/home/me", "EMPTY", "");

    @TempDir
    Path folder;

    private static List<String> words(String line) {
        return line.isEmpty() ? List.of() : Arrays.asList(line.split(" "));
    }

    static Stream<Arguments> runSplits() {
        return Stream.of(
                // arguments | expected positionals | options given
                Arguments.of("busybox", "busybox", ""),
                Arguments.of("-it --rm busybox sh -c date", "busybox|sh|-c|date", "interactive,tty,rm"),
                Arguments.of("-dit busybox", "busybox", "detach,interactive,tty"),
                Arguments.of("busybox --rm -d", "busybox|--rm|-d", ""),
                Arguments.of("-d busybox ls -l /", "busybox|ls|-l|/", "detach"),
                Arguments.of("--name web -e A=1 -eB=2 -e=C=3 busybox env", "busybox|env", "name,env"),
                Arguments.of("-v /srv:/data:ro -w /data busybox", "busybox", "volume,workdir"),
                Arguments.of("-ti -v/a:/b busybox", "busybox", "interactive,tty,volume"),
                Arguments.of("--entrypoint= busybox", "busybox", "entrypoint"),
                Arguments.of("-- busybox -x", "busybox|-x", ""),
                Arguments.of("busybox -- -x", "busybox|--|-x", ""),
                Arguments.of("-u 1000:1000 --read-only --hostname h --runtime crun busybox", "busybox",
                        "user,read-only,hostname,runtime"));
    }

    @ParameterizedTest(name = "run {0}")
    @MethodSource("runSplits")
    void runOptionsStopAtTheImage(String line, String positionals, String options) throws Exception {
        ParsedArguments args = new RunCommand().parse(words(line));

        assertEquals(Arrays.asList(positionals.split("\\|")), args.positionals());
        for (String option : options.isEmpty() ? new String[0] : options.split(",")) {
            assertTrue(args.has(option), option + " not given in " + line);
        }
    }

    @Test
    void valuesOfCombinedAndSeparateShortOptions() throws Exception {
        ParsedArguments args = new RunCommand().parse(words("--name web -e A=1 -eB=2 -e=C=3 -e HOME busybox env"));
        assertEquals(List.of("A=1", "B=2", "C=3", "HOME"), args.values("env"));
        assertEquals("web", args.value("name").orElseThrow());
    }

    @ParameterizedTest(name = "run {0}")
    @CsvSource(delimiter = '|', value = {
        "-x busybox | unknown option -x",
        "-e | option --env needs a value",
        "-dx busybox | unknown option -dx",
        "--name | option --name needs a value"})
    void badRunLinesAreUsageErrors(String line, String message) {
        UsageException e = assertThrows(UsageException.class, () -> new RunCommand().parse(words(line)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void execOptionsStopAtTheContainer() throws Exception {
        ParsedArguments args = new ExecCommand().parse(words("-it -u root -e A=1 -w /tmp web sh -c -x"));
        assertEquals(List.of("web", "sh", "-c", "-x"), args.positionals());
        assertTrue(args.has("interactive") && args.has("tty"));
        assertEquals("root", args.value("user").orElseThrow());
    }

    @Test
    void olderCommandsKeepTheirStrictParsing() {
        UsageException e = assertThrows(UsageException.class, () -> new NoteCommand().parse(List.of("-sops", "m")));
        assertEquals("berth note: unknown option -sops", e.getMessage());
    }

    /** The body as the daemon reads it: numbers compare by value, not by Jackson's node class. */
    private static com.fasterxml.jackson.databind.JsonNode reparsed(com.fasterxml.jackson.databind.JsonNode body)
            throws Exception {
        return JSON.readTree(JSON.writeValueAsString(body));
    }

    @Test
    void theCreateBodyCarriesEveryOption() throws Exception {
        ParsedArguments args = new RunCommand().parse(words("-it --rm --name web -e A=1 -e HOME -e UNSET -w /w -u 7 "
                + "--hostname h --entrypoint /bin/sh --read-only -v /srv:/data:ro -v /a:/b:Z,rw --runtime crun -m 64m "
                + "--cap-add NET_ADMIN --cap-add sys_time --privileged --security-opt label=disable --pids-limit 5 "
                + "--network none --no-isolation-module seccomp busybox -c id"));

        assertEquals(JSON.readTree("""
                {"image":"busybox","name":"web","options":{"command":["-c","id"],"entrypoint":["/bin/sh"],
                 "env":["A=1","HOME=/home/me"],"workingDir":"/w","user":"7","hostname":"h","readOnly":true,
                 "volumes":[{"source":"/srv","target":"/data","readOnly":true},
                            {"source":"/a","target":"/b","readOnly":false,"relabel":"Z"}],
                 "tty":true,"stdin":true,"runtime":"crun","isolation":{"no-isolation-module":["seccomp"],
                 "network":["none"],"memory":["64m"],"pids-limit":["5"],"cap-add":["NET_ADMIN","sys_time"],
                 "privileged":["true"],"security-opt":["label=disable"]}},"autoRemove":true}"""),
                reparsed(RunArguments.body(args, ENV)));
    }

    @Test
    void aSeccompProfileFileIsSentAsItsContent(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path profile = dir.resolve("profile.json");
        java.nio.file.Files.writeString(profile, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
        ParsedArguments args = new RunCommand().parse(List.of("--security-opt", "seccomp=" + profile,
                "--security-opt", "seccomp=unconfined", "busybox"));
        assertEquals(JSON.readTree("[\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}\",\"seccomp=unconfined\"]"),
                RunArguments.body(args, ENV).path("options").path("isolation").path("security-opt"));
        ParsedArguments missing = new RunCommand().parse(List.of("--security-opt", "seccomp=" + dir.resolve("no.json"),
                "busybox"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunArguments.body(missing, ENV));
        assertTrue(e.getMessage().contains("no such file " + dir.resolve("no.json")), e.getMessage());
    }

    @Test
    void withoutOptionsTheImageDecides() throws Exception {
        assertEquals(JSON.readTree("""
                {"image":"busybox","options":{"command":null,"entrypoint":null,"env":[],"workingDir":null,"user":null,
                 "hostname":null,"readOnly":false,"volumes":[],"tty":false,"stdin":false,"runtime":null,"isolation":{}},
                 "autoRemove":false}"""),
                reparsed(RunArguments.body(new CreateCommand().parse(List.of("busybox")), ENV)));
    }

    @ParameterizedTest(name = "--entrypoint \"{0}\"")
    @CsvSource(delimiter = '|', value = {"'' | []", "/bin/sh | [\"/bin/sh\"]", "'sh -c' | [\"sh -c\"]"})
    void entrypointIsOneWordOrEmpty(String value, String expected) throws Exception {
        ParsedArguments args = new RunCommand().parse(List.of("--entrypoint", value, "busybox"));
        assertEquals(JSON.readTree(expected), RunArguments.body(args, ENV).path("options").path("entrypoint"));
    }

    @ParameterizedTest(name = "-e {0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "A=1 | A=1",
        "A= | A=",
        "A=b=c | A=b=c",
        "HOME | HOME=/home/me",
        "EMPTY | EMPTY=",
        "UNSET | NULL"})
    void envFlagForms(String flag, String expected) {
        assertEquals(expected, RunArguments.entry(flag, ENV, "-e " + flag));
    }

    @ParameterizedTest(name = "-e {0}")
    @CsvSource(delimiter = '|', value = {"=x | variable name is empty", "'A B=1' | contains whitespace"})
    void badEnvFlagsNameTheProblem(String flag, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunArguments.entry(flag, ENV, "-e " + flag));
        assertTrue(e.getMessage().startsWith("-e " + flag + ": ") && e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void envFileSkipsBlankAndCommentLinesAndLooksUpBareNames() {
        List<String> lines = List.of("# settings", "", "   ", "A=1", "  # indented comment", "  B=two words",
                "HOME", "UNSET", "C=", "D=#not a comment");
        assertEquals(List.of("A=1", "B=two words", "HOME=/home/me", "C=", "D=#not a comment"),
                RunArguments.envFile("app.env", lines, ENV));
    }

    @Test
    void envFileErrorsNameFileAndLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunArguments.envFile("app.env", List.of("A=1", "BAD NAME=2"), ENV));
        assertEquals("--env-file app.env line 2: variable name \"BAD NAME\" contains whitespace", e.getMessage());
    }

    @Test
    void envFilesComeFirstThenFlagsInOrder() throws Exception {
        Path file = folder.resolve("a.env");
        Files.writeString(file, "A=file\nB=file\n");
        assertEquals(List.of("A=file", "B=file", "A=flag"),
                RunArguments.environment(List.of("A=flag"), List.of(file.toString()), ENV));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunArguments.environment(List.of(), List.of(folder.resolve("none.env").toString()), ENV));
        assertTrue(e.getMessage().endsWith("none.env: no such file"), e.getMessage());
    }

    @ParameterizedTest(name = "-v {0}")
    @CsvSource(delimiter = '|', value = {
        "/srv:/data | /srv | /data | false",
        "/srv:/data:ro | /srv | /data | true",
        "/srv:/data:rw | /srv | /data | false",
        "/:/host:ro | / | /host | true"})
    void volumeForms(String spec, String source, String target, boolean readOnly) {
        assertEquals(JSON.createObjectNode().put("source", source).put("target", target).put("readOnly", readOnly),
                RunArguments.volume(spec));
    }

    @ParameterizedTest(name = "-v {0}")
    @CsvSource(delimiter = '|', value = {
        "data:/data | host path \"data\" is not absolute",
        "./data:/data | host path \"./data\" is not absolute",
        "/srv:data | container path \"data\" is not absolute",
        "/srv | expected HOST:CONTAINER",
        "/a:/b:ro:z | expected HOST:CONTAINER",
        "/a:/b:rx | option \"rx\" is none of ro, rw, z, Z",
        "/a:/b:ro,rw | ro and rw given more than once",
        "/a:/b:z,Z | z and Z given more than once",
        "/a:/b: | option \"\" is none of ro, rw, z, Z"})
    void badVolumesAreRefusedNamingTheValue(String spec, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunArguments.volume(spec));
        assertTrue(e.getMessage().startsWith("-v " + spec + ": ") && e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aRelativeVolumeIsAUsageErrorOfRun() {
        CapturedOutput out = new CapturedOutput();
        CapturedOutput err = new CapturedOutput();
        int code = Cli.run(List.of("-H", "unix:///nonexistent/x.sock", "run", "-v", "data:/data", "busybox"), Map.of(),
                out.stream(), err.stream());
        assertEquals(2, code);
        assertTrue(err.text().startsWith("berth run: -v data:/data: host path \"data\" is not absolute"), err.text());
    }

    @Test
    void runWithoutImageIsAUsageError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunArguments.body(new RunCommand().parse(List.of("-d")), ENV));
        assertEquals("missing IMAGE", e.getMessage());
    }
}
