package dev.berth.dockerapi.impl;

import dev.berth.api.bus.BusAddresses;
import dev.berth.api.image.ImageReference;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The image calls: list, inspect, pull ({@code POST /images/create?fromImage=}), tag, remove, save
 * ({@code GET /images/get}, {@code GET /images/{name}/get}) and load, each translated to Berth's
 * {@code berth.engine.image*}, {@code pull}, {@code save} and {@code load} requests; import and push are
 * {@link ImportApi}'s and {@link PushApi}'s. A name is looked up the way Docker does: as a reference first,
 * then as an image id or a unique prefix of one. Archives pass through the {@link ScratchFiles} folder and
 * are deleted afterwards. Thread-safe: handlers run on event loops and share only immutable state.
 */
final class ImageApi implements DockerRoutes {
    /** The largest archive {@code POST /images/load} accepts. */
    static final long MAX_LOAD_BYTES = 64L * 1024 * 1024 * 1024;
    private static final Pattern HEX_PREFIX = Pattern.compile("(sha256:)?[0-9a-f]{1,64}");
    private static final Set<String> LIST_FILTERS = Set.of("reference", "dangling", "label", "before", "since", "until");

    private final EngineBus engine;
    private final ScratchFiles scratch;

    ImageApi(EngineBus engine, ScratchFiles scratch) {
        this.engine = engine;
        this.scratch = scratch;
    }

    @Override
    public boolean handle(DockerRequest request) {
        List<String> p;
        if (request.match(HttpMethod.GET, "/images/json") != null) {
            list(request);
        } else if (request.match(HttpMethod.POST, "/images/create") != null) {
            pull(request);
        } else if (request.match(HttpMethod.GET, "/images/get") != null) {
            save(request, request.query().all("names"));
        } else if (request.match(HttpMethod.POST, "/images/load") != null) {
            load(request);
        } else if ((p = request.match(HttpMethod.GET, "/images/{name*}/json")) != null) {
            inspect(request, p.get(0));
        } else if ((p = request.match(HttpMethod.GET, "/images/{name*}/get")) != null) {
            save(request, List.of(p.get(0)));
        } else if ((p = request.match(HttpMethod.POST, "/images/{name*}/tag")) != null) {
            tag(request, p.get(0));
        } else if ((p = request.match(HttpMethod.DELETE, "/images/{name*}")) != null) {
            remove(request, p.get(0));
        } else {
            return false;
        }
        return true;
    }

    // ---- lookup ----------------------------------------------------------------------------------------

    /** An image found by a user's word, and the word to name it by in engine requests. */
    record Found(JsonObject image, String engineReference) {
    }

    /**
     * Finds {@code name} among Berth's image summaries ({@code {"id","manifestDigest","tags"}}): as a reference
     * (a tag or {@code name@digest}) first, then as an image id, a manifest digest, or a unique id prefix.
     *
     * @throws DockerException 404 {@code No such image: NAME}, or 409 for an ambiguous prefix
     */
    static Found find(JsonArray images, String name) {
        if (name.isEmpty() || name.length() > 512) {
            throw DockerException.notFound("No such image: " + QueryParameters.shorten(name));
        }
        try {
            ImageReference reference = ImageReference.parse(name);
            String key = reference.digest() != null ? null : reference.name() + ":" + reference.tag();
            for (Object entry : images) {
                JsonObject image = (JsonObject) entry;
                if (key != null && image.getJsonArray("tags", new JsonArray()).contains(key)) {
                    return new Found(image, key);
                }
                if (reference.digest() != null && reference.digest().toString().equals(image.getString("manifestDigest"))) {
                    return new Found(image, image.getString("manifestDigest"));
                }
            }
        } catch (IllegalArgumentException e) {
            // not a reference: maybe an id
        }
        if (HEX_PREFIX.matcher(name).matches()) {
            String hex = name.startsWith("sha256:") ? name.substring(7) : name;
            List<JsonObject> matches = new ArrayList<>();
            for (Object entry : images) {
                JsonObject image = (JsonObject) entry;
                String id = image.getString("id", "");
                String manifest = image.getString("manifestDigest", "");
                if (id.startsWith("sha256:" + hex) || (hex.length() == 64 && manifest.equals("sha256:" + hex))) {
                    matches.add(image);
                }
            }
            if (matches.size() == 1) {
                return new Found(matches.get(0), matches.get(0).getString("manifestDigest"));
            }
            if (matches.size() > 1) {
                throw new DockerException(409, "image id prefix " + name + " is ambiguous: it matches " + matches.size()
                        + " images");
            }
        }
        throw DockerException.notFound("No such image: " + QueryParameters.shorten(name));
    }

    private Future<JsonArray> images() {
        return engine.ask(BusAddresses.ENGINE_IMAGES, new JsonObject())
                .map(reply -> reply.getJsonArray("images", new JsonArray()));
    }

    private Future<Found> find(String name) {
        return images().map(list -> find(list, name));
    }

    // ---- list and inspect ------------------------------------------------------------------------------

    private void list(DockerRequest request) {
        DockerFilters filters = request.query().filters(LIST_FILTERS);
        for (String unsupported : List.of("before", "since", "until")) {
            if (filters.has(unsupported)) {
                throw DockerException.notImplemented("Berth does not implement the images filter '" + unsupported + "'");
            }
        }
        boolean digests = request.query().bool("digests");
        ApiVersion version = request.version();
        images().compose(list -> {
            List<Future<JsonObject>> details = new ArrayList<>();
            for (Object entry : list) {
                JsonObject image = (JsonObject) entry;
                details.add(engine.ask(BusAddresses.ENGINE_IMAGE_INSPECT,
                        new JsonObject().put("reference", image.getString("manifestDigest")))
                        .otherwise(image));
            }
            return Future.all(details).map(all -> {
                JsonArray out = new JsonArray();
                for (Future<JsonObject> detail : details) {
                    JsonObject summary = summary(detail.result(), version);
                    if (matches(filters, summary, detail.result())) {
                        if (!digests && !version.atLeast(new ApiVersion(1, 40))) {
                            summary.remove("RepoDigests");
                        }
                        out.add(summary);
                    }
                }
                return out;
            });
        }).onComplete(ar -> {
            if (ar.succeeded()) {
                DockerReply.json(request.response(), 200, ar.result());
            } else {
                DockerReply.failure(request.response(), ar.cause());
            }
        });
    }

    /** Whether an image passes the {@code reference}, {@code dangling} and {@code label} filters. */
    static boolean matches(DockerFilters filters, JsonObject summary, JsonObject berthImage) {
        JsonArray tags = summary.getJsonArray("RepoTags");
        if (filters.has("dangling")) {
            boolean wanted = filters.get("dangling").stream().anyMatch(v -> v.equals("true") || v.equals("1"));
            if (wanted != tags.isEmpty()) {
                return false;
            }
        }
        if (filters.has("reference")) {
            boolean any = false;
            for (String pattern : filters.get("reference")) {
                for (Object tag : tags) {
                    String t = (String) tag;
                    String repository = t.substring(0, t.lastIndexOf(':') > t.lastIndexOf('/') ? t.lastIndexOf(':') : t.length());
                    if (Glob.matches(pattern, t) || Glob.matches(pattern, repository)) {
                        any = true;
                    }
                }
            }
            if (!any) {
                return false;
            }
        }
        if (filters.has("label")) {
            JsonObject labels = summary.getJsonObject("Labels", new JsonObject());
            for (String label : filters.get("label")) {
                int eq = label.indexOf('=');
                boolean ok = eq < 0 ? labels.containsKey(label)
                        : label.substring(eq + 1).equals(labels.getString(label.substring(0, eq)));
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Docker's {@code ImageSummary} from Berth's inspect answer (or its list entry, when inspect failed). */
    static JsonObject summary(JsonObject image, ApiVersion version) {
        JsonObject config = image.getJsonObject("config", new JsonObject());
        JsonObject settings = config.getJsonObject("config", new JsonObject());
        JsonObject summary = new JsonObject().put("Id", image.getString("id"))
                .put("ParentId", "")
                .put("RepoTags", repoTags(image)).put("RepoDigests", repoDigests(image))
                .put("Created", created(config, image).getEpochSecond())
                .put("Size", image.getLong("size", 0L)).put("SharedSize", -1L)
                .put("Labels", settings.getJsonObject("Labels", new JsonObject()))
                .put("Containers", -1L);
        if (!version.atLeast(new ApiVersion(1, 44))) {
            summary.put("VirtualSize", image.getLong("size", 0L));
        }
        return summary;
    }

    private static JsonArray repoTags(JsonObject image) {
        JsonArray tags = new JsonArray();
        for (Object tag : image.getJsonArray("tags", new JsonArray())) {
            tags.add(DockerNames.familiar((String) tag));
        }
        return tags;
    }

    private static JsonArray repoDigests(JsonObject image) {
        JsonArray digests = new JsonArray();
        String manifest = image.getString("manifestDigest");
        for (Object tag : image.getJsonArray("tags", new JsonArray())) {
            String digest = DockerNames.repoDigest((String) tag, manifest);
            if (!digests.contains(digest)) {
                digests.add(digest);
            }
        }
        return digests;
    }

    /** The image's creation time from its config, or when Berth stored it when the config has none. */
    private static Instant created(JsonObject config, JsonObject image) {
        for (String text : new String[] {config.getString("created"), image.getString("pulledAt")}) {
            if (text != null) {
                try {
                    return OffsetDateTime.parse(text).toInstant();
                } catch (DateTimeParseException e) {
                    // try the next
                }
            }
        }
        return Instant.EPOCH;
    }

    private void inspect(DockerRequest request, String name) {
        find(name).compose(found -> engine.ask(BusAddresses.ENGINE_IMAGE_INSPECT,
                new JsonObject().put("reference", found.image().getString("manifestDigest"))))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        DockerReply.json(request.response(), 200, inspectJson(ar.result()));
                    } else {
                        DockerReply.failure(request.response(), ar.cause());
                    }
                });
    }

    /** Docker's {@code ImageInspect} from Berth's inspect answer. */
    static JsonObject inspectJson(JsonObject image) {
        JsonObject config = image.getJsonObject("config", new JsonObject());
        JsonObject settings = config.getJsonObject("config", new JsonObject());
        JsonObject rootfs = config.getJsonObject("rootfs", new JsonObject());
        String[] platform = image.getString("platform", "linux/amd64").split("/");
        JsonObject out = new JsonObject().put("Id", image.getString("id"))
                .put("RepoTags", repoTags(image)).put("RepoDigests", repoDigests(image))
                .put("Parent", "").put("Comment", config.getString("comment", ""))
                .put("Created", config.getString("created", created(config, image).toString()))
                .put("DockerVersion", "").put("Author", config.getString("author", ""))
                .put("Config", settings)
                .put("Architecture", config.getString("architecture", platform.length > 1 ? platform[1] : ""))
                .put("Os", config.getString("os", platform[0]))
                .put("Size", image.getLong("size", 0L))
                .put("GraphDriver", new JsonObject().put("Name", "overlay").put("Data", new JsonObject()))
                .put("RootFS", new JsonObject().put("Type", rootfs.getString("type", "layers"))
                        .put("Layers", rootfs.getJsonArray("diff_ids", new JsonArray())))
                .put("Metadata", new JsonObject().put("LastTagTime", "0001-01-01T00:00:00Z"));
        String variant = config.getString("variant", platform.length > 2 ? platform[2] : null);
        if (variant != null) {
            out.put("Variant", variant);
        }
        return out;
    }

    // ---- pull ------------------------------------------------------------------------------------------

    /**
     * The reference {@code POST /images/create} asks for: {@code fromImage} with {@code tag} (a tag, or a
     * digest) taking precedence over a tag in {@code fromImage}.
     *
     * @throws DockerException 400 for a malformed name, 501 for a pull of every tag
     */
    static ImageReference pullReference(String fromImage, String tag) {
        if (fromImage == null || fromImage.isBlank()) {
            throw DockerException.invalid("fromImage is required");
        }
        String text = fromImage;
        if (tag != null && !tag.isEmpty()) {
            ImageReference base = DockerNames.reference(fromImage);
            text = base.name() + (tag.contains(":") ? "@" : ":") + tag;
        } else if (!hasTagOrDigest(fromImage)) {
            throw DockerException.notImplemented("Berth does not implement pulling every tag of a repository "
                    + "(docker pull --all-tags); name a tag");
        }
        return DockerNames.reference(text);
    }

    private static boolean hasTagOrDigest(String name) {
        return name.contains("@") || name.lastIndexOf(':') > name.lastIndexOf('/');
    }

    private void pull(DockerRequest request) {
        ImageReference reference = pullReference(request.query().string("fromImage"), request.query().string("tag"));
        JsonObject order = new JsonObject().put("reference", reference.toString());
        String platform = request.query().platform("platform");
        if (platform != null) {
            order.put("platform", platform);
        }
        String familiar = DockerNames.familiar(reference.toString());
        ProgressStream stream = new ProgressStream(request.response(), List.of(new JsonObject()
                .put("status", "Pulling from " + reference.repository())
                .put("id", reference.tag() != null ? reference.tag() : reference.digest().toString())));
        stream.follow(engine, BusAddresses.ENGINE_PULL, order, DockerProgress.pull()).onComplete(ar -> {
            if (ar.failed()) {
                stream.fail(ar.cause(), DockerReply.message(ar.cause()));
                return;
            }
            JsonObject result = ar.result();
            boolean fetched = result.getLong("bytesFetched", 1L) > 0;
            stream.end(List.of(new JsonObject().put("status", "Digest: " + result.getString("manifestDigest")),
                    new JsonObject().put("status", (fetched ? "Status: Downloaded newer image for "
                            : "Status: Image is up to date for ") + familiar)));
        });
    }

    // ---- tag and remove --------------------------------------------------------------------------------

    private void tag(DockerRequest request, String name) {
        String target = DockerNames.repoTag(request.query().string("repo"), request.query().string("tag"));
        if (target == null) {
            throw DockerException.invalid("repository name must have at least one component");
        }
        find(name).compose(found -> engine.ask(BusAddresses.ENGINE_IMAGE_TAG, new JsonObject()
                .put("source", found.engineReference()).put("target", target)))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        request.response().setStatusCode(201).end();
                    } else {
                        DockerReply.failure(request.response(), ar.cause());
                    }
                });
    }

    private void remove(DockerRequest request, String name) {
        boolean force = request.query().bool("force");
        images().compose(list -> {
            Found found = find(list, name);
            return engine.ask(BusAddresses.ENGINE_IMAGE_REMOVE, new JsonObject()
                    .put("reference", found.engineReference()).put("force", force), EngineBus.SLOW_TIMEOUT_MS)
                    .map(reply -> {
                        JsonArray out = new JsonArray();
                        for (Object untagged : reply.getJsonArray("untagged", new JsonArray())) {
                            out.add(new JsonObject().put("Untagged", DockerNames.familiar((String) untagged)));
                        }
                        if (reply.getString("removed") != null) {
                            out.add(new JsonObject().put("Deleted", found.image().getString("id")));
                        }
                        return out;
                    });
        }).onComplete(ar -> {
            if (ar.succeeded()) {
                DockerReply.json(request.response(), 200, ar.result());
            } else {
                DockerReply.failure(request.response(), ar.cause());
            }
        });
    }

    // ---- save and load ---------------------------------------------------------------------------------

    private void save(DockerRequest request, List<String> names) {
        if (names.isEmpty()) {
            throw DockerException.invalid("name at least one image to save (names=)");
        }
        HttpServerResponse response = request.response();
        images().compose(list -> {
            JsonArray references = new JsonArray();
            for (String name : names) {
                references.add(find(list, name).engineReference());
            }
            return scratch.file("save-", ".tar")
                    .compose(target -> engine.ask(BusAddresses.ENGINE_SAVE, new JsonObject()
                            .put("references", references).put("target", target.toString()).put("format", "docker"),
                            EngineBus.SLOW_TIMEOUT_MS).map(reply -> target));
        }).onComplete(ar -> {
            if (ar.failed()) {
                DockerReply.failure(response, ar.cause());
                return;
            }
            Path archive = ar.result();
            response.putHeader("Content-Type", "application/x-tar");
            response.sendFile(archive.toString()).onComplete(sent -> scratch.delete(archive));
        });
    }

    private void load(DockerRequest request) {
        HttpServerResponse response = request.response();
        request.http().pause();
        Path[] archive = new Path[1];
        scratch.file("load-", ".tar")
                .compose(path -> {
                    archive[0] = path;
                    return scratch.receive(request.http(), path, MAX_LOAD_BYTES, "load");
                })
                .compose(v -> engine.ask(BusAddresses.ENGINE_LOAD, new JsonObject().put("archive", archive[0].toString())
                        .put("progress", BusAddresses.PROGRESS_PREFIX + UUID.randomUUID()), EngineBus.SLOW_TIMEOUT_MS))
                .onComplete(ar -> {
                    scratch.delete(archive[0]);
                    ProgressStream stream = new ProgressStream(response, List.of());
                    if (ar.failed()) {
                        stream.fail(ar.cause(), DockerReply.message(ar.cause()));
                        return;
                    }
                    List<JsonObject> lines = new ArrayList<>();
                    for (Object entry : ar.result().getJsonArray("images", new JsonArray())) {
                        JsonObject image = (JsonObject) entry;
                        JsonArray tags = image.getJsonArray("tags", new JsonArray());
                        if (tags.isEmpty()) {
                            lines.add(new JsonObject().put("stream", "Loaded image ID: "
                                    + image.getString("manifestDigest") + "\n"));
                        }
                        for (Object tag : tags) {
                            lines.add(new JsonObject().put("stream", "Loaded image: "
                                    + DockerNames.familiar((String) tag) + "\n"));
                        }
                    }
                    stream.end(lines);
                });
    }
}
