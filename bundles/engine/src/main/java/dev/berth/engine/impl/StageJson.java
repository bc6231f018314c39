package dev.berth.engine.impl;

import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.Platform;
import dev.berth.api.stage.BuildRequest;
import dev.berth.api.stage.ExpandRequest;
import dev.berth.api.stage.ImageSettings;
import dev.berth.api.stage.PushRequest;
import dev.berth.api.stage.PushedImage;
import dev.berth.api.stage.ExpandedLayer;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.SaveItem;
import dev.berth.api.stage.PullRequest;
import dev.berth.api.stage.PulledImage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The JSON shapes of stage requests and replies on the bus, in one place for both ends. Stateless and
 * thread-safe.
 */
final class StageJson {
    private StageJson() {
    }

    static JsonObject pullRequest(PullRequest request, String progressAddress) {
        return new JsonObject().put("reference", request.reference().toString())
                .put("platform", request.platform().toString())
                .put("insecure", new JsonArray(new ArrayList<>(request.insecureRegistries())))
                .put("progress", progressAddress);
    }

    static PullRequest pullRequest(JsonObject json) {
        Set<String> insecure = new HashSet<>();
        json.getJsonArray("insecure", new JsonArray()).forEach(v -> insecure.add(String.valueOf(v)));
        return new PullRequest(ImageReference.parse(json.getString("reference")),
                Platform.parse(json.getString("platform")), insecure);
    }

    static JsonObject descriptor(Descriptor d) {
        return new JsonObject().put("mediaType", d.mediaType()).put("digest", d.digest().toString())
                .put("size", d.size());
    }

    static Descriptor descriptor(JsonObject json) {
        return new Descriptor(json.getString("mediaType"), Digest.parse(json.getString("digest")),
                json.getLong("size"));
    }

    static JsonObject pulled(PulledImage image) {
        JsonArray layers = new JsonArray();
        image.layers().forEach(l -> layers.add(descriptor(l)));
        JsonArray diffIds = new JsonArray();
        image.diffIds().forEach(d -> diffIds.add(d.toString()));
        return new JsonObject().put("reference", image.reference().toString())
                .put("manifestDigest", image.manifestDigest().toString()).put("mediaType", image.mediaType())
                .put("indexDigest", image.indexDigest() == null ? null : image.indexDigest().toString())
                .put("platform", image.platform().toString()).put("config", descriptor(image.config()))
                .put("layers", layers).put("diffIds", diffIds).put("bytesFetched", image.bytesFetched());
    }

    static PulledImage pulled(JsonObject json) {
        List<Descriptor> layers = new ArrayList<>();
        json.getJsonArray("layers").forEach(l -> layers.add(descriptor((JsonObject) l)));
        List<Digest> diffIds = new ArrayList<>();
        json.getJsonArray("diffIds").forEach(d -> diffIds.add(Digest.parse(String.valueOf(d))));
        String index = json.getString("indexDigest");
        return new PulledImage(ImageReference.parse(json.getString("reference")),
                Digest.parse(json.getString("manifestDigest")), json.getString("mediaType"),
                index == null ? null : Digest.parse(index), Platform.parse(json.getString("platform")),
                descriptor(json.getJsonObject("config")), layers, diffIds, json.getLong("bytesFetched", 0L));
    }

    static JsonObject loaded(LoadedImage image) {
        JsonArray layers = new JsonArray();
        image.layers().forEach(l -> layers.add(descriptor(l)));
        JsonArray diffIds = new JsonArray();
        image.diffIds().forEach(d -> diffIds.add(d.toString()));
        return new JsonObject().put("tags", new JsonArray(image.tags()))
                .put("manifestDigest", image.manifestDigest().toString()).put("mediaType", image.mediaType())
                .put("platform", image.platform() == null ? null : image.platform().toString())
                .put("config", descriptor(image.config())).put("layers", layers).put("diffIds", diffIds);
    }

    static LoadedImage loaded(JsonObject json) {
        List<Descriptor> layers = new ArrayList<>();
        json.getJsonArray("layers").forEach(l -> layers.add(descriptor((JsonObject) l)));
        List<Digest> diffIds = new ArrayList<>();
        json.getJsonArray("diffIds").forEach(d -> diffIds.add(Digest.parse(String.valueOf(d))));
        List<String> tags = new ArrayList<>();
        json.getJsonArray("tags", new JsonArray()).forEach(t -> tags.add(String.valueOf(t)));
        String platform = json.getString("platform");
        return new LoadedImage(tags, Digest.parse(json.getString("manifestDigest")), json.getString("mediaType"),
                platform == null ? null : Platform.parse(platform), descriptor(json.getJsonObject("config")),
                layers, diffIds);
    }

    static JsonObject saveItem(SaveItem item) {
        return new JsonObject().put("reference", item.reference()).put("manifestDigest", item.manifestDigest().toString());
    }

    static SaveItem saveItem(JsonObject json) {
        return new SaveItem(json.getString("reference"), Digest.parse(json.getString("manifestDigest")));
    }

    static JsonObject expandRequest(ExpandRequest request, String progressAddress) {
        return new JsonObject().put("layer", descriptor(request.layer())).put("diffId", request.diffId().toString())
                .put("chainId", request.chainId().toString())
                .put("parentChainId", request.parentChainId() == null ? null : request.parentChainId().toString())
                .put("progress", progressAddress);
    }

    static ExpandRequest expandRequest(JsonObject json) {
        String parent = json.getString("parentChainId");
        return new ExpandRequest(descriptor(json.getJsonObject("layer")), Digest.parse(json.getString("diffId")),
                Digest.parse(json.getString("chainId")), parent == null ? null : Digest.parse(parent));
    }

    static JsonObject expanded(ExpandedLayer layer) {
        return new JsonObject().put("chainId", layer.chainId().toString()).put("diffId", layer.diffId().toString())
                .put("snapshot", layer.snapshot().toString()).put("entries", layer.entries())
                .put("bytes", layer.bytes()).put("millis", layer.millis()).put("existed", layer.existed());
    }

    static ExpandedLayer expanded(JsonObject json) {
        return new ExpandedLayer(Digest.parse(json.getString("chainId")), Digest.parse(json.getString("diffId")),
                Path.of(json.getString("snapshot")), json.getLong("entries"), json.getLong("bytes"),
                json.getLong("millis"), json.getBoolean("existed"));
    }

    static JsonObject buildRequest(BuildRequest request, String progressAddress) {
        ImageSettings c = request.config();
        JsonObject settings = c == null ? null : new JsonObject().put("cmd", strings(c.cmd()))
                .put("entrypoint", strings(c.entrypoint())).put("env", strings(c.env()))
                .put("workingDir", c.workingDir()).put("user", c.user())
                .put("labels", c.labels() == null ? null : new JsonObject(new java.util.TreeMap<>(c.labels())));
        return new JsonObject().put("layer", request.layer().toString())
                .put("base", request.base() == null ? null : request.base().toString())
                .put("platform", request.platform() == null ? null : request.platform().toString())
                .put("config", settings).put("changes", new JsonArray(request.changes()))
                .put("createdBy", request.createdBy()).put("comment", request.comment())
                .put("author", request.author()).put("created", request.created().toString())
                .put("progress", progressAddress);
    }

    static BuildRequest buildRequest(JsonObject json) {
        JsonObject c = json.getJsonObject("config");
        ImageSettings settings = null;
        if (c != null) {
            java.util.Map<String, String> labels = null;
            if (c.getJsonObject("labels") != null) {
                labels = new java.util.TreeMap<>();
                for (var e : c.getJsonObject("labels")) {
                    labels.put(e.getKey(), String.valueOf(e.getValue()));
                }
            }
            settings = new ImageSettings(strings(c.getJsonArray("cmd")), strings(c.getJsonArray("entrypoint")),
                    strings(c.getJsonArray("env")), c.getString("workingDir"), c.getString("user"), labels);
        }
        String base = json.getString("base");
        String platform = json.getString("platform");
        return new BuildRequest(Path.of(json.getString("layer")), base == null ? null : Digest.parse(base),
                platform == null ? null : Platform.parse(platform), settings,
                strings(json.getJsonArray("changes", new JsonArray())), json.getString("createdBy"),
                json.getString("comment"), json.getString("author"), Instant.parse(json.getString("created")));
    }

    static JsonObject pushRequest(PushRequest request, String progressAddress) {
        return new JsonObject().put("target", request.target().toString())
                .put("manifestDigest", request.manifestDigest().toString())
                .put("insecure", new JsonArray(new ArrayList<>(request.insecureRegistries())))
                .put("sources", new JsonArray(request.sources().stream().map(ImageReference::toString).toList()))
                .put("progress", progressAddress);
    }

    static PushRequest pushRequest(JsonObject json) {
        return new PushRequest(ImageReference.parse(json.getString("target")),
                Digest.parse(json.getString("manifestDigest")),
                new HashSet<>(strings(json.getJsonArray("insecure", new JsonArray()))),
                strings(json.getJsonArray("sources", new JsonArray())).stream().map(ImageReference::parse).toList());
    }

    static JsonObject pushed(PushedImage image) {
        return new JsonObject().put("target", image.target().toString())
                .put("manifestDigest", image.manifestDigest().toString()).put("uploaded", image.uploaded())
                .put("existing", image.existing()).put("mounted", image.mounted()).put("bytesSent", image.bytesSent());
    }

    static PushedImage pushed(JsonObject json) {
        return new PushedImage(ImageReference.parse(json.getString("target")),
                Digest.parse(json.getString("manifestDigest")), json.getInteger("uploaded"),
                json.getInteger("existing"), json.getInteger("mounted"), json.getLong("bytesSent"));
    }

    private static JsonArray strings(List<String> values) {
        return values == null ? null : new JsonArray(new ArrayList<>(values));
    }

    private static List<String> strings(JsonArray values) {
        if (values == null) {
            return null;
        }
        List<String> all = new ArrayList<>();
        values.forEach(v -> all.add(String.valueOf(v)));
        return all;
    }
}
