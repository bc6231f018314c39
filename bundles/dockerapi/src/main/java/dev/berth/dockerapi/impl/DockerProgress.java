package dev.berth.dockerapi.impl;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the progress Berth's stages publish on a {@code berth.progress.<id>} address
 * ({@code {"id","status","current","total"}}, the id a blob's short digest) into the per-layer JSON messages
 * Docker's client shows, through a table from Berth's statuses to Docker's words: {@link #pull()} for
 * {@code docker pull}, {@link #push()} for {@code docker push}. Each item is announced once (the first time
 * it is seen, with the table's announcement) and is silent after a finishing status. A status may name
 * where an item came from ({@code mounted from library/busybox}): a word's {@value #SOURCE} shows it. Not
 * thread-safe: one per operation, used on its event loop.
 */
final class DockerProgress {
    /** Where a word shows the source a status names. */
    static final String SOURCE = "{source}";
    private static final String SOURCE_SEPARATOR = " from ";

    /**
     * How one Berth status reads in Docker's stream.
     *
     * @param announce said first for an item not seen yet; null for nothing
     * @param words the messages, in order
     * @param detail whether the messages carry the byte counts ({@code progressDetail})
     * @param finishes whether the item is done: later updates about it say nothing
     */
    record Step(String announce, List<String> words, boolean detail, boolean finishes) {
        Step {
            words = List.copyOf(words);
        }
    }

    /** What has been said about one item. */
    private enum Said { SEEN, DONE }

    private static final Map<String, Step> PULL = Map.of(
            "downloading", new Step("Pulling fs layer", List.of("Downloading"), true, false),
            "resuming", new Step("Pulling fs layer", List.of("Downloading"), true, false),
            "verified", new Step("Pulling fs layer", List.of("Verifying Checksum", "Download complete"), false, false),
            "rejected", new Step("Pulling fs layer", List.of("Retrying"), false, false),
            "cached", new Step(null, List.of("Already exists"), false, true),
            "already expanded", new Step(null, List.of("Already exists"), false, true),
            "expanding", new Step(null, List.of("Extracting"), true, false),
            "expanded", new Step(null, List.of("Pull complete"), false, true));

    private static final Map<String, Step> PUSH = Map.ofEntries(
            Map.entry("preparing", new Step(null, List.of("Preparing"), false, false)),
            Map.entry("waiting", new Step("Preparing", List.of("Waiting"), false, false)),
            Map.entry("uploading", new Step("Preparing", List.of("Pushing"), true, false)),
            Map.entry("pushing", new Step("Preparing", List.of("Pushing"), true, false)),
            Map.entry("rejected", new Step("Preparing", List.of("Retrying"), false, false)),
            Map.entry("uploaded", new Step("Preparing", List.of("Pushed"), false, true)),
            Map.entry("pushed", new Step("Preparing", List.of("Pushed"), false, true)),
            Map.entry("exists", new Step("Preparing", List.of("Layer already exists"), false, true)),
            Map.entry("mounted", new Step("Preparing", List.of("Mounted from " + SOURCE), false, true)));

    private final Map<String, Step> steps;
    private final Map<String, Said> said = new HashMap<>();

    private DockerProgress(Map<String, Step> steps) {
        this.steps = Map.copyOf(steps);
    }

    /**
     * {@code docker pull}'s words: "Pulling fs layer", "Downloading", "Verifying Checksum", "Download
     * complete", "Retrying", "Extracting", "Pull complete", or "Already exists", from the pull and expand
     * stages' downloading, resuming, verified, rejected, expanding, expanded, cached and already expanded.
     */
    static DockerProgress pull() {
        return new DockerProgress(PULL);
    }

    /**
     * {@code docker push}'s words: "Preparing", "Waiting", "Pushing", "Retrying", "Pushed", "Layer already
     * exists", "Mounted from REPO", from the push stage's preparing, waiting, uploading (or pushing),
     * rejected, uploaded (or pushed), exists and {@code mounted from REPO} (the words of the
     * {@code blob.pushed} event's {@code how}).
     */
    static DockerProgress push() {
        return new DockerProgress(PUSH);
    }

    /** The Docker messages for one Berth progress update (possibly none). */
    List<JsonObject> translate(JsonObject update) {
        String id = update.getString("id", "");
        String status = update.getString("status", "");
        String source = null;
        Step step = steps.get(status);
        int from = status.indexOf(SOURCE_SEPARATOR);
        if (step == null && from > 0) {
            step = steps.get(status.substring(0, from));
            source = status.substring(from + SOURCE_SEPARATOR.length()).strip();
        }
        List<JsonObject> out = new ArrayList<>();
        Said before = said.get(id);
        if (step == null || before == Said.DONE) {
            return out; // a state Docker has no word for, or an item already finished: nothing to show
        }
        if (before == null && step.announce() != null) {
            out.add(message(step.announce(), id, null));
        }
        JsonObject detail = step.detail() ? detail(longOf(update, "current"), longOf(update, "total")) : null;
        for (String word : step.words()) {
            out.add(message(word.replace(SOURCE, source == null || source.isEmpty() ? "another repository" : source),
                    id, detail));
        }
        said.put(id, step.finishes() ? Said.DONE : Said.SEEN);
        return out;
    }

    /** {@code {"status": status, "progressDetail": detail, "id": id}}; id is left out when null. */
    static JsonObject message(String status, String id, JsonObject detail) {
        JsonObject m = new JsonObject().put("status", status);
        m.put("progressDetail", detail == null ? new JsonObject() : detail);
        if (id != null) {
            m.put("id", id);
        }
        return m;
    }

    private static JsonObject detail(long current, long total) {
        JsonObject d = new JsonObject().put("current", Math.max(0, current));
        if (total > 0) {
            d.put("total", total);
        }
        return d;
    }

    private static long longOf(JsonObject json, String field) {
        Object value = json.getValue(field);
        return value instanceof Number n ? n.longValue() : -1;
    }
}
