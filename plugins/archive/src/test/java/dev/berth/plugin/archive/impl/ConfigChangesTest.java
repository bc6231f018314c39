package dev.berth.plugin.archive.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.stage.ImageSettings;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Dockerfile-style change lines and container settings applied to an image config's {@code config} object. */
class ConfigChangesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The run config every case starts from. */
    private static final String BASE = "{\"Env\":[\"PATH=/usr/bin\",\"KEEP=1\"],\"Cmd\":[\"sh\"],"
            + "\"WorkingDir\":\"/srv\",\"Labels\":{\"base\":\"yes\"},\"ExposedPorts\":{\"22/tcp\":{}}}";

    /** Lines to apply, and the fields they must leave (fields not named must be as in {@link #BASE}). */
    record Change(List<String> lines, String fields) {
    }

    static Stream<Arguments> changes() {
        return Stream.of(
                change("CmdExecForm", "{\"Cmd\":[\"/bin/app\",\"-v\"]}", "CMD [\"/bin/app\", \"-v\"]"),
                change("CmdShellForm", "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo \\\"hi there\\\"\"]}",
                        "CMD echo \"hi there\""),
                change("CmdEmptyArrayLowerCase", "{\"Cmd\":[]}", "cmd []"),
                change("EntrypointClearsTheCmd", "{\"Entrypoint\":[\"/init\"],\"Cmd\":null}", "ENTRYPOINT [\"/init\"]"),
                change("EntrypointAfterCmdKeepsIt", "{\"Entrypoint\":[\"/bin/sh\",\"-c\",\"/init --x\"],"
                        + "\"Cmd\":[\"a\"]}", "CMD [\"a\"]", "ENTRYPOINT /init --x"),
                change("EnvPairsWithQuotes", "{\"Env\":[\"PATH=/usr/bin\",\"KEEP=1\",\"A=1\",\"B=two words\","
                        + "\"C=three words\",\"D=it's\"]}", "ENV A=1 B=\"two words\" C=three\\ words D=\"it's\""),
                change("EnvReplacesInPlace", "{\"Env\":[\"PATH=/bin:/usr/bin\",\"KEEP=1\"]}", "ENV PATH=/bin:/usr/bin"),
                change("EnvLegacyForm", "{\"Env\":[\"PATH=/usr/bin\",\"KEEP=1\",\"LEGACY=some value  here\"]}",
                        "ENV LEGACY some value  here"),
                change("LabelPairsMergeWithTheBase", "{\"Labels\":{\"base\":\"yes\",\"version\":\"1.0\","
                        + "\"org.example.name\":\"My App\",\"single\":\"a b\"}}",
                        "LABEL version=1.0 \"org.example.name\"=\"My App\" single='a b'"),
                change("WorkdirAbsolute", "{\"WorkingDir\":\"/app\"}", "WORKDIR /app"),
                change("WorkdirRelativeToThePrevious", "{\"WorkingDir\":\"/srv/sub/dir\"}", "WORKDIR sub/dir"),
                change("WorkdirTwice", "{\"WorkingDir\":\"/x/y\"}", "WORKDIR /x", "WORKDIR ./z/../y"),
                change("User", "{\"User\":\"1000:1000\"}", "USER 1000:1000"),
                change("ExposeMany", "{\"ExposedPorts\":{\"22/tcp\":{},\"80/tcp\":{},\"53/udp\":{},\"8000/tcp\":{},"
                        + "\"8001/tcp\":{},\"9/sctp\":{}}}", "EXPOSE 80 53/udp 8000-8001/tcp 9/SCTP"),
                change("VolumeJson", "{\"Volumes\":{\"/data\":{},\"/logs\":{}}}", "VOLUME [\"/data\", \"/logs\"]"),
                change("VolumeWords", "{\"Volumes\":{\"/a\":{},\"/b\":{}}}", "VOLUME /a /b"),
                change("StopSignal", "{\"StopSignal\":\"SIGRTMIN+3\"}", "STOPSIGNAL SIGRTMIN+3"),
                change("StopSignalNumber", "{\"StopSignal\":\"9\"}", "STOPSIGNAL 9"),
                change("OnBuildAppends", "{\"OnBuild\":[\"RUN make\",\"COPY . /src\"]}", "ONBUILD RUN make",
                        "onbuild COPY . /src"),
                change("BlankLinesAreSkipped", "{\"User\":\"nobody\"}", "", "   ", "USER nobody"));
    }

    private static Arguments change(String name, String fields, String... lines) {
        return Arguments.of(Named.of(name, new Change(List.of(lines), fields)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void appliesEachInstruction(Change change) throws Exception {
        ObjectNode config = (ObjectNode) JSON.readTree(BASE);
        ConfigChanges.apply(config, change.lines(), "commit");
        ObjectNode expected = (ObjectNode) JSON.readTree(BASE);
        expected.setAll((ObjectNode) JSON.readTree(change.fields()));
        assertEquals(expected, config);
    }

    @Test
    void shellFormUsesTheConfiguredShell() throws Exception {
        ObjectNode config = (ObjectNode) JSON.readTree("{\"Shell\":[\"/bin/bash\",\"-lc\"]}");
        ConfigChanges.apply(config, List.of("CMD make test"), "commit");
        assertEquals(JSON.readTree("[\"/bin/bash\",\"-lc\",\"make test\"]"), config.path("Cmd"));
    }

    @Test
    void settingsReplaceOnlyWhatIsGivenAndChangesComeAfter() throws Exception {
        ObjectNode config = (ObjectNode) JSON.readTree(BASE);
        ConfigChanges.applySettings(config, new ImageSettings(null, List.of("/e"), List.of("X=1"), null, "u",
                Map.of("z", "1", "a", "2")));
        ConfigChanges.apply(config, List.of("ENV X=2"), "commit");
        assertEquals(JSON.readTree("{\"Env\":[\"X=2\"],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/srv\",\"Labels\":{\"a\":\"2\","
                + "\"z\":\"1\"},\"ExposedPorts\":{\"22/tcp\":{}},\"Entrypoint\":[\"/e\"],\"User\":\"u\"}"), config);
        Iterator<String> labels = config.path("Labels").fieldNames();
        assertEquals(List.of("a", "z"), List.of(labels.next(), labels.next()), "labels are written sorted");
    }

    static Stream<Arguments> badLines() {
        return Stream.of(
                bad("Run", "RUN echo hi", "RUN is not a valid change (CMD, ENTRYPOINT, ENV"),
                bad("From", "FROM scratch", "FROM is not a valid change"),
                bad("Healthcheck", "HEALTHCHECK NONE", "HEALTHCHECK is not a valid change"),
                bad("CmdWithoutCommand", "CMD", "CMD needs a command"),
                bad("CmdArrayOfNumbers", "CMD [\"a\", 1]", "not a JSON array of strings"),
                bad("EntrypointBrokenJson", "ENTRYPOINT [\"a\"", "not a JSON array of strings"),
                bad("CmdJsonThenMore", "CMD [\"a\"] b", "not a JSON array of strings"),
                bad("EnvNothing", "ENV", "ENV needs NAME=VALUE"),
                bad("EnvNameOnly", "ENV ONLYNAME", "ENV needs NAME=VALUE or NAME VALUE"),
                bad("EnvMixedForms", "ENV A=1 B", "\"B\" is not NAME=VALUE"),
                bad("EnvEmptyName", "ENV =x", "has an empty name"),
                bad("LabelUnterminatedQuote", "LABEL \"unterminated=x", "unterminated \" quote"),
                bad("UserTwoWords", "USER a b", "USER takes a user, one word"),
                bad("WorkdirNothing", "WORKDIR", "WORKDIR needs a directory"),
                bad("ExposeName", "EXPOSE http", "\"http\" is not PORT[-PORT][/tcp|udp|sctp]"),
                bad("ExposeTooHigh", "EXPOSE 70000", "ports are 1 to 65535"),
                bad("ExposeZero", "EXPOSE 0", "ports are 1 to 65535"),
                bad("ExposeIcmp", "EXPOSE 80/icmp", "\"80/icmp\" is not PORT"),
                bad("ExposeBackwardsRange", "EXPOSE 9-3", "ranges low-high"),
                bad("VolumeNothing", "VOLUME", "VOLUME needs one or more non-empty paths"),
                bad("VolumeEmptyPath", "VOLUME [\"\"]", "VOLUME needs one or more non-empty paths"),
                bad("StopSignalNothing", "STOPSIGNAL", "STOPSIGNAL takes a signal, one word"),
                bad("StopSignalTwoWords", "STOPSIGNAL SIG TERM", "STOPSIGNAL takes a signal, one word"),
                bad("StopSignalNegative", "STOPSIGNAL -9", "\"-9\" is not a signal name or number"),
                bad("OnBuildNothing", "ONBUILD", "ONBUILD needs an instruction"),
                bad("OnBuildOnBuild", "ONBUILD ONBUILD RUN x", "ONBUILD needs an instruction"),
                bad("OnBuildUnknown", "ONBUILD FETCH x", "ONBUILD needs an instruction"));
    }

    private static Arguments bad(String name, String line, String message) {
        return Arguments.of(Named.of(name, List.of(line, message)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badLines")
    void refusesBadLinesNamingThem(List<String> bad) throws Exception {
        String line = bad.get(0);
        ObjectNode config = (ObjectNode) JSON.readTree(BASE);
        BerthException e = assertThrows(BerthException.class,
                () -> ConfigChanges.apply(config, List.of("USER fine", line), "commit"));
        assertEquals(ErrorKind.INVALID, e.kind());
        String prefix = "commit: change " + LayerEntryRules.quote(line) + ": ";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertTrue(e.getMessage().contains(bad.get(1)), e.getMessage());
    }

    @Test
    void badJsonKeepsItsCause() throws Exception {
        BerthException e = assertThrows(BerthException.class, () -> ConfigChanges.apply(JSON.createObjectNode(),
                List.of("CMD [oops"), "commit"));
        assertTrue(e.getCause() instanceof JsonProcessingException, String.valueOf(e.getCause()));
    }
}
