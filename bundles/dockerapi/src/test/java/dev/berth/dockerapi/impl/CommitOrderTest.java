package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Docker's commit query and body read into the engine's commit order, and the change lines of import. */
class CommitOrderTest {

    /** A query from {@code name=value} pairs, repeated names kept. */
    static QueryParameters query(String... pairs) {
        MultiMap params = MultiMap.caseInsensitiveMultiMap();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            params.add(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return new QueryParameters(params);
    }

    static Stream<Arguments> queries() {
        return Stream.of(
                Arguments.of("OnlyTheContainer", query("container=web"),
                        new CommitOrder("web", null, "", "", true, List.of())),
                Arguments.of("WhatTheDockerCliSends", query("container=web", "repo=127.0.0.1:5000/app", "tag=v1",
                        "comment=first", "author=Ann <ann@example.org>", "changes=CMD [\"sh\"]", "changes=ENV A=b"),
                        new CommitOrder("web", "127.0.0.1:5000/app:v1", "first", "Ann <ann@example.org>", true,
                                List.of("CMD [\"sh\"]", "ENV A=b"))),
                Arguments.of("PauseZeroDoesNotPause", query("container=web", "pause=0"),
                        new CommitOrder("web", null, "", "", false, List.of())),
                Arguments.of("PauseFalseDoesNotPause", query("container=web", "pause=false"),
                        new CommitOrder("web", null, "", "", false, List.of())),
                Arguments.of("EmptyPauseIsDockersDefault", query("container=web", "pause="),
                        new CommitOrder("web", null, "", "", true, List.of())),
                Arguments.of("PauseOne", query("container=web", "pause=1"),
                        new CommitOrder("web", null, "", "", true, List.of())),
                Arguments.of("RepoWithoutTagIsLatest", query("container=web", "repo=app"),
                        new CommitOrder("web", "docker.io/library/app:latest", "", "", true, List.of())),
                Arguments.of("TagReplacesTheRepoTag", query("container=web", "repo=app:old", "tag=new"),
                        new CommitOrder("web", "docker.io/library/app:new", "", "", true, List.of())),
                Arguments.of("RepoTagKeptWithoutTag", query("container=web", "repo=app:old", "tag="),
                        new CommitOrder("web", "docker.io/library/app:old", "", "", true, List.of())),
                Arguments.of("TagWithoutRepoNamesNothing", query("container=web", "tag=v1"),
                        new CommitOrder("web", null, "", "", true, List.of())),
                Arguments.of("ChangesSplitAtLineBreaks", query("container=web",
                        "changes=ENV A=1\nWORKDIR /srv\r\n\n# a comment\n  USER nobody  ", "changes=EXPOSE 80"),
                        new CommitOrder("web", null, "", "", true, List.of("ENV A=1", "WORKDIR /srv", "USER nobody",
                                "EXPOSE 80"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("queries")
    void readsTheQuery(String name, QueryParameters query, CommitOrder expected) {
        assertEquals(expected, CommitOrder.fromQuery(query), name);
    }

    static Stream<Arguments> refusedQueries() {
        return Stream.of(
                Arguments.of("NoContainer", query("repo=app"), "commit: name the container"),
                Arguments.of("EmptyContainer", query("container="), "commit: name the container"),
                Arguments.of("BadRepo", query("container=web", "repo=App"), "invalid image reference"),
                Arguments.of("BadTag", query("container=web", "repo=app", "tag=-x"), "invalid image reference"),
                Arguments.of("DigestRepo", query("container=web", "repo=app@sha256:" + "a".repeat(64)),
                        "refusing to create a tag with a digest reference"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedQueries")
    void refusesABadQueryWith400(String name, QueryParameters query, String message) {
        DockerException e = assertThrows(DockerException.class, () -> CommitOrder.fromQuery(query), name);
        assertEquals(400, e.status(), name);
        assertTrue(e.getMessage().startsWith(message), name + ": " + e.getMessage());
    }

    static Stream<Arguments> bodies() {
        return Stream.of(
                Arguments.of("Empty", new JsonObject(), List.of()),
                Arguments.of("NullsAndEmptiesKeepTheContainers", new JsonObject().putNull("Cmd")
                        .put("Entrypoint", new JsonArray()).put("Env", new JsonArray()).put("WorkingDir", "")
                        .putNull("Labels").put("Healthcheck", new JsonObject()), List.of()),
                Arguments.of("RunOnlySettingsAreIgnored", new JsonObject().put("Hostname", "h").put("Tty", true)
                        .put("Image", "busybox").put("AttachStdin", false), List.of()),
                Arguments.of("CmdAndEntrypointInExecForm", new JsonObject()
                        .put("Entrypoint", new JsonArray().add("/bin/sh").add("-c"))
                        .put("Cmd", new JsonArray().add("echo \"hi\"")),
                        List.of("CMD [\"echo \\\"hi\\\"\"]", "ENTRYPOINT [\"/bin/sh\",\"-c\"]")),
                Arguments.of("CmdAsALoneString", new JsonObject().put("Cmd", "top"), List.of("CMD [\"top\"]")),
                Arguments.of("EnvAndLabelsQuoted", new JsonObject()
                        .put("Env", new JsonArray().add("A=b c").add("Q=say \"x\" \\ $HOME").add("E="))
                        .put("Labels", new JsonObject().put("team", "berth")),
                        List.of("ENV \"A\"=\"b c\"", "ENV \"Q\"=\"say \\\"x\\\" \\\\ $HOME\"", "ENV \"E\"=\"\"",
                                "LABEL \"team\"=\"berth\"")),
                Arguments.of("TheRest", new JsonObject().put("WorkingDir", "/srv").put("User", "1000:1000")
                        .put("ExposedPorts", new JsonObject().put("80/tcp", new JsonObject()))
                        .put("Volumes", new JsonObject().put("/data", new JsonObject()).put("/logs", new JsonObject()))
                        .put("StopSignal", "SIGINT").put("OnBuild", new JsonArray().add("RUN true")),
                        List.of("WORKDIR /srv", "USER 1000:1000", "EXPOSE 80/tcp", "VOLUME [\"/data\",\"/logs\"]",
                                "STOPSIGNAL SIGINT", "ONBUILD RUN true")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodies")
    void bodySettingsBecomeChangeLines(String name, JsonObject config, List<String> lines) {
        assertEquals(lines, DockerfileChanges.fromConfig(config), name);
    }

    static Stream<Arguments> refusedBodies() {
        return Stream.of(
                Arguments.of("Healthcheck", new JsonObject().put("Healthcheck", new JsonObject()
                        .put("Test", new JsonArray().add("NONE"))), "Config.Healthcheck"),
                Arguments.of("Shell", new JsonObject().put("Shell", new JsonArray().add("/bin/bash")), "Config.Shell"),
                Arguments.of("EnvWithoutValue", new JsonObject().put("Env", new JsonArray().add("JUSTNAME")),
                        "Config.Env entry"),
                Arguments.of("CmdNotStrings", new JsonObject().put("Cmd", new JsonArray().add(1)), "Config.Cmd"),
                Arguments.of("LabelsNotAnObject", new JsonObject().put("Labels", new JsonArray()), "Config.Labels"),
                Arguments.of("UserNotText", new JsonObject().put("User", 5), "Config.User"),
                Arguments.of("LineBreakWouldAddAnInstruction", new JsonObject().put("WorkingDir", "/x\nUSER root"),
                        "commit: Berth cannot apply a line break"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedBodies")
    void refusesBodySettingsItCannotApply(String name, JsonObject config, String message) {
        DockerException e = assertThrows(DockerException.class, () -> DockerfileChanges.fromConfig(config), name);
        assertEquals(400, e.status(), name);
        assertTrue(e.getMessage().contains(message), name + ": " + e.getMessage());
    }

    @Test
    void bodyLinesComeBeforeTheQuerysChangesSoTheQueryWins() {
        CommitOrder order = CommitOrder.fromQuery(query("container=web", "changes=CMD [\"b\"]"))
                .withConfig(new JsonObject().put("Cmd", new JsonArray().add("a")));
        assertEquals(List.of("CMD [\"a\"]", "CMD [\"b\"]"), order.changes());
        assertEquals(new JsonObject().put("op", "commit").put("id", "web").putNull("reference").put("comment", "")
                .put("author", "").put("pause", true).put("changes", new JsonArray().add("CMD [\"a\"]")
                        .add("CMD [\"b\"]")), order.toJson());
    }
}
