package dev.berth.dockerapi.impl;

import dev.berth.api.event.EventRecord;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates records of Berth's event log into Docker's event messages
 * ({@code {"Type","Action","Actor":{"ID","Attributes"},"scope","time","timeNano"}}):
 * container.created → create, .started → start, .exited → die (exitCode), .killed → kill (signal),
 * .oom → oom, .removed → destroy, .execd → exec_create and exec_start; image.pulled → pull, .tagged → tag,
 * .untagged → untag, .removed → delete, .loaded → load, images.saved → save. Other records have no Docker
 * counterpart and give nothing. It remembers container names and images and image ids from the records it
 * sees (and what {@link #knowContainer} and {@link #knowImage} seed), as Docker's events carry them but
 * Berth's later records do not. Not thread-safe: one per stream.
 */
final class EventTranslator {
    private record ContainerFacts(String name, String image) {
    }

    private final Map<String, ContainerFacts> containers = new HashMap<>();
    private final Map<String, String> imageIds = new HashMap<>();

    /** Seeds what a container is called and which image it runs, for events whose records lack them. */
    void knowContainer(String id, String name, String image) {
        containers.put(id, new ContainerFacts(name, image));
    }

    /** Seeds the image id (config digest) of a manifest digest. */
    void knowImage(String manifestDigest, String imageId) {
        imageIds.put(manifestDigest, imageId);
    }

    /** The Docker messages for one record, in order; empty when it has no Docker counterpart. */
    List<JsonObject> translate(EventRecord record) {
        JsonObject payload;
        try {
            payload = new JsonObject(record.payload());
        } catch (DecodeException | ClassCastException e) {
            return List.of();
        }
        String subject = record.subject();
        List<JsonObject> out = new ArrayList<>();
        switch (record.type()) {
            case "container.created" -> {
                String image = payload.getString("image", "");
                containers.put(subject, new ContainerFacts(payload.getString("name", ""), DockerNames.familiar(image)));
                out.add(container(record, "create", Map.of()));
            }
            case "container.started" -> out.add(container(record, "start", Map.of()));
            case "container.exited" -> out.add(container(record, "die",
                    Map.of("exitCode", String.valueOf(payload.getInteger("exitCode", -1)))));
            case "container.killed" -> out.add(container(record, "kill",
                    Map.of("signal", String.valueOf(payload.getInteger("signal", 0)))));
            case "container.oom" -> out.add(container(record, "oom", Map.of()));
            case "container.removed" -> {
                if (!containers.containsKey(subject) && payload.getString("name") != null) {
                    containers.put(subject, new ContainerFacts(payload.getString("name"), ""));
                }
                out.add(container(record, "destroy", Map.of()));
            }
            case "container.execd" -> {
                List<String> args = new ArrayList<>();
                for (Object arg : payload.getJsonArray("args", new JsonArray())) {
                    args.add(String.valueOf(arg));
                }
                String command = String.join(" ", args);
                Map<String, String> exec = Map.of("execID", payload.getString("execId", ""));
                out.add(container(record, "exec_create: " + command, exec));
                out.add(container(record, "exec_start: " + command, exec));
            }
            case "image.pulled" -> {
                imageIds.put(subject, payload.getString("configDigest", subject));
                String reference = DockerNames.familiar(payload.getString("reference", subject));
                out.add(image(record, "pull", reference, repositoryOf(reference)));
            }
            case "image.loaded" -> {
                String id = payload.getString("configDigest", subject);
                imageIds.put(subject, id);
                out.add(image(record, "load", id, id));
            }
            case "image.tagged" -> {
                String id = imageId(payload.getString("manifestDigest", ""));
                out.add(image(record, "tag", id, DockerNames.familiar(payload.getString("reference", subject))));
            }
            case "image.untagged" -> {
                String id = imageId(payload.getString("manifestDigest", ""));
                out.add(image(record, "untag", id, id));
            }
            case "image.removed" -> {
                String id = imageId(subject);
                out.add(image(record, "delete", id, id));
            }
            case "images.saved" -> {
                for (Object digest : payload.getJsonArray("manifestDigests", new JsonArray())) {
                    String id = imageId(String.valueOf(digest));
                    out.add(image(record, "save", id, id));
                }
            }
            default -> {
                // no Docker counterpart
            }
        }
        return out;
    }

    private String imageId(String manifestDigest) {
        return imageIds.getOrDefault(manifestDigest, manifestDigest);
    }

    private static String repositoryOf(String familiar) {
        int at = familiar.indexOf('@');
        String name = at >= 0 ? familiar.substring(0, at) : familiar;
        int colon = name.lastIndexOf(':');
        return colon > name.lastIndexOf('/') ? name.substring(0, colon) : name;
    }

    private JsonObject container(EventRecord record, String action, Map<String, String> extra) {
        ContainerFacts facts = containers.get(record.subject());
        JsonObject attributes = new JsonObject();
        if (facts != null) {
            if (!facts.image().isEmpty()) {
                attributes.put("image", facts.image());
            }
            attributes.put("name", facts.name());
        }
        extra.forEach(attributes::put);
        return message(record, "container", action, record.subject(), attributes);
    }

    private static JsonObject image(EventRecord record, String action, String id, String name) {
        return message(record, "image", action, id, new JsonObject().put("name", name));
    }

    private static JsonObject message(EventRecord record, String type, String action, String id, JsonObject attributes) {
        long nanos = record.timeNanos();
        return new JsonObject().put("Type", type).put("Action", action)
                .put("Actor", new JsonObject().put("ID", id).put("Attributes", attributes))
                .put("scope", "local").put("time", Math.floorDiv(nanos, 1_000_000_000L)).put("timeNano", nanos);
    }
}
