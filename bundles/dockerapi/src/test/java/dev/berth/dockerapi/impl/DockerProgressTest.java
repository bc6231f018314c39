package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Berth's progress updates, one sequence a case, in the words Docker's client shows for pull and push. */
class DockerProgressTest {
    private static final String A = "abcdefabcdef";
    private static final String B = "0123456789ab";

    /** One update: item, Berth status, bytes done and bytes in all. */
    record Update(String id, String status, long current, long total) {
        JsonObject json() {
            return new JsonObject().put("id", id).put("status", status).put("current", current).put("total", total);
        }
    }

    static Update u(String id, String status) {
        return new Update(id, status, 5, 10);
    }

    static Stream<Arguments> sequences() {
        Supplier<DockerProgress> pull = DockerProgress::pull;
        Supplier<DockerProgress> push = DockerProgress::push;
        return Stream.of(
                Arguments.of("PullFresh", pull, List.of(u(A, "downloading"), u(A, "downloading"), u(A, "verified"),
                        u(A, "expanding"), u(A, "expanded")),
                        List.of("Pulling fs layer " + A, "Downloading " + A, "Downloading " + A,
                                "Verifying Checksum " + A, "Download complete " + A, "Extracting " + A,
                                "Pull complete " + A)),
                Arguments.of("PullCachedIsSilentAfterwards", pull, List.of(u(A, "cached"), u(A, "expanded"),
                        u(A, "downloading")), List.of("Already exists " + A)),
                Arguments.of("PullAlreadyExpanded", pull, List.of(u(A, "already expanded")),
                        List.of("Already exists " + A)),
                Arguments.of("PullResumeAnnouncesOnce", pull, List.of(u(A, "resuming"), u(A, "rejected"),
                        u(A, "downloading")), List.of("Pulling fs layer " + A, "Downloading " + A, "Retrying " + A,
                                "Downloading " + A)),
                Arguments.of("PullTwoLayersKeptApart", pull, List.of(u(A, "downloading"), u(B, "cached"),
                        u(A, "verified")), List.of("Pulling fs layer " + A, "Downloading " + A, "Already exists " + B,
                                "Verifying Checksum " + A, "Download complete " + A)),
                Arguments.of("PullUnknownStatusSaysNothing", pull, List.of(u(A, "pondering"), u(A, "uploading")),
                        List.of()),
                Arguments.of("PushUploaded", push, List.of(u(A, "preparing"), u(A, "waiting"), u(A, "uploading"),
                        u(A, "uploaded")), List.of("Preparing " + A, "Waiting " + A, "Pushing " + A, "Pushed " + A)),
                Arguments.of("PushAnnouncesPreparing", push, List.of(u(A, "pushing"), u(A, "pushed")),
                        List.of("Preparing " + A, "Pushing " + A, "Pushed " + A)),
                Arguments.of("PushExisting", push, List.of(u(A, "exists"), u(A, "uploading")),
                        List.of("Preparing " + A, "Layer already exists " + A)),
                Arguments.of("PushMountedFrom", push, List.of(u(A, "mounted from library/busybox")),
                        List.of("Preparing " + A, "Mounted from library/busybox " + A)),
                Arguments.of("PushMountedFromSomewhere", push, List.of(u(A, "mounted")),
                        List.of("Preparing " + A, "Mounted from another repository " + A)),
                Arguments.of("PushRetry", push, List.of(u(A, "uploading"), u(A, "rejected"), u(A, "uploading")),
                        List.of("Preparing " + A, "Pushing " + A, "Retrying " + A, "Pushing " + A)),
                Arguments.of("PushIgnoresPullWords", push, List.of(u(A, "downloading"), u(A, "expanded")), List.of()),
                Arguments.of("PushUnknownFromSaysNothing", push, List.of(u(A, "teleported from mars")), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sequences")
    void translatesInOrder(String name, Supplier<DockerProgress> vocabulary, List<Update> updates, List<String> shown) {
        DockerProgress progress = vocabulary.get();
        List<String> out = new ArrayList<>();
        for (Update update : updates) {
            for (JsonObject message : progress.translate(update.json())) {
                out.add(message.getString("status") + " " + message.getString("id"));
            }
        }
        assertEquals(shown, out, name);
    }

    static Stream<Arguments> details() {
        return Stream.of(
                Arguments.of("PullDownloading", DockerProgress.pull(), new Update(A, "downloading", 5, 10),
                        new JsonObject().put("current", 5).put("total", 10)),
                Arguments.of("PullExtractingUnknownTotal", DockerProgress.pull(), new Update(A, "expanding", 7, -1),
                        new JsonObject().put("current", 7)),
                Arguments.of("PushPushing", DockerProgress.push(), new Update(A, "uploading", 3, 9),
                        new JsonObject().put("current", 3).put("total", 9)),
                Arguments.of("PushNegativeCurrent", DockerProgress.push(), new Update(A, "uploading", -1, 9),
                        new JsonObject().put("current", 0).put("total", 9)),
                Arguments.of("PushPushedHasNone", DockerProgress.push(), new Update(A, "uploaded", 9, 9),
                        new JsonObject()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("details")
    void theLastMessageCarriesTheByteCountsWhereDockerShowsABar(String name, DockerProgress progress, Update update,
            JsonObject detail) {
        List<JsonObject> messages = progress.translate(update.json());
        assertEquals(detail, messages.get(messages.size() - 1).getJsonObject("progressDetail"), name);
    }
}
