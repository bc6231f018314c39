package dev.berth.dockerapi.impl;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the progress Berth's pull and expand stages publish ({@code {"id","status","current","total"}}, the id a
 * blob's short digest) into the JSON messages Docker's client shows during {@code docker pull}: "Pulling fs
 * layer", "Downloading", "Verifying Checksum", "Download complete", "Extracting", "Pull complete", or
 * "Already exists". Not thread-safe: one per pull, used on its event loop.
 */
final class PullProgress {
    /** What has been said about one blob, so each state is shown once and in order. */
    private enum Said { NOTHING, ANNOUNCED, DOWNLOADED, DONE }

    private final Map<String, Said> said = new HashMap<>();

    /** The Docker messages for one Berth progress update (possibly none). */
    List<JsonObject> translate(JsonObject update) {
        String id = update.getString("id", "");
        String status = update.getString("status", "");
        long current = longOf(update, "current");
        long total = longOf(update, "total");
        List<JsonObject> out = new ArrayList<>();
        Said state = said.getOrDefault(id, Said.NOTHING);
        if (state == Said.DONE) {
            return out;
        }
        switch (status) {
            case "downloading", "resuming" -> {
                if (state == Said.NOTHING) {
                    out.add(message("Pulling fs layer", id, null));
                    said.put(id, Said.ANNOUNCED);
                }
                out.add(message("Downloading", id, detail(current, total)));
            }
            case "verified" -> {
                if (state == Said.NOTHING) {
                    out.add(message("Pulling fs layer", id, null));
                }
                out.add(message("Verifying Checksum", id, null));
                out.add(message("Download complete", id, null));
                said.put(id, Said.DOWNLOADED);
            }
            case "cached", "already expanded" -> {
                out.add(message("Already exists", id, null));
                said.put(id, Said.DONE);
            }
            case "rejected" -> out.add(message("Retrying", id, null));
            case "expanding" -> {
                if (state == Said.NOTHING) {
                    said.put(id, Said.DOWNLOADED);
                }
                out.add(message("Extracting", id, detail(current, total)));
            }
            case "expanded" -> {
                out.add(message("Pull complete", id, null));
                said.put(id, Said.DONE);
            }
            default -> {
                // a state Docker has no word for: nothing to show
            }
        }
        return out;
    }

    /** {@code {"status": status, "id": id, "progressDetail": detail}}; id and detail are left out when null. */
    static JsonObject message(String status, String id, JsonObject detail) {
        JsonObject m = new JsonObject().put("status", status);
        m.put("progressDetail", detail == null ? new JsonObject() : detail);
        if (id != null) {
            m.put("id", id);
        }
        return m;
    }

    /** A stream error as Docker's client reads it: it prints the message and exits 1. */
    static JsonObject error(String message) {
        return new JsonObject().put("errorDetail", new JsonObject().put("message", message)).put("error", message);
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
