package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.ImageImported;
import dev.berth.api.events.ImageLoaded;
import dev.berth.api.events.ImagePushed;
import dev.berth.api.events.PushFailed;
import dev.berth.api.events.ImagePulled;
import dev.berth.api.events.ImageRemoved;
import dev.berth.api.events.ImagesPruned;
import dev.berth.api.events.ImagesSaved;
import dev.berth.api.events.ImageTagged;
import dev.berth.api.events.ImageUntagged;
import dev.berth.api.events.PullFailed;
import dev.berth.api.events.PullRequested;
import dev.berth.api.events.RegistryLoggedIn;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.Platform;
import dev.berth.api.stage.ArchiveStage;
import dev.berth.api.stage.BuildRequest;
import dev.berth.api.stage.CommitStage;
import dev.berth.api.stage.PushRequest;
import dev.berth.api.stage.PushStage;
import dev.berth.api.stage.PushedImage;
import dev.berth.api.stage.ExpandRequest;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.SaveItem;
import dev.berth.api.stage.ExpandStage;
import dev.berth.api.stage.PullRequest;
import dev.berth.api.stage.PullStage;
import dev.berth.api.stage.PulledImage;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Images in the engine: orchestrates a pull (the pull stage, then the expand stage for each layer, both
 * reached over the bus), records the outcome in the log, and answers image queries from the image
 * projection. Thread-safe: each pull runs on its own worker thread; state lives in the log.
 */
final class ImageService {
    private static final long STAGE_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(30);

    private final Vertx vertx;
    private final EventLog log;
    private final EventCodec codec;
    private final Projections projections;
    private final ImageProjection images;
    private final Path content;
    private final Path root;
    private final BusCalls calls;

    ImageService(Vertx vertx, EventLog log, EventCodec codec, Projections projections, ImageProjection images,
            Path root) {
        this.vertx = vertx;
        this.log = log;
        this.codec = codec;
        this.projections = projections;
        this.images = images;
        this.content = root.resolve("content/blobs");
        this.root = root;
        this.calls = new BusCalls(vertx, log, codec);
    }

    List<MessageConsumer<?>> register() {
        return List.of(
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_PULL, m -> blocking(m, "pull", this::pull)),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_IMAGES, this::onImages),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_IMAGE_INSPECT,
                        m -> blocking(m, "image inspect", this::inspect)),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_IMAGE_TAG, m -> blocking(m, "tag", this::tagImage)),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_IMAGE_REMOVE,
                        m -> blocking(m, "image rm", this::removeImage)),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_IMAGE_PRUNE,
                        m -> blocking(m, "image prune", this::prune)),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_LOAD, m -> blocking(m, "load", this::load)),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_LOGIN, m -> blocking(m, "login", this::login)),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_IMPORT, m -> blocking(m, "import", this::importTar)),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_PUSH, m -> blocking(m, "push", this::push)),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_SAVE, m -> blocking(m, "save", this::save)));
    }

    private JsonObject pull(JsonObject request) throws BerthException {
        ImageReference reference;
        Platform platform;
        Set<String> insecure;
        String wanted;
        try {
            reference = ImageReference.parse(request.getString("reference", ""));
            wanted = request.getString("platform");
            platform = wanted == null || wanted.isBlank() ? Platform.host() : Platform.parse(wanted);
            insecure = Set.copyOf(request.getJsonArray("insecure", new JsonArray()).getList().stream()
                    .map(String::valueOf).toList());
        } catch (RuntimeException e) {
            throw new BerthException(ErrorKind.INVALID, "pull: " + e.getMessage(), e);
        }
        return pull(reference, platform, wanted != null, insecure, request.getString("progress"));
    }

    /**
     * Pulls and expands {@code reference}, appending every outcome; blocking. With {@code explicit}, an
     * image of another platform is refused even when the registry offers no choice.
     */
    JsonObject pull(ImageReference reference, Platform platform, boolean explicit, Set<String> insecure,
            String progress) throws BerthException {
        append(reference.toString(), new PullRequested(reference.toString(), platform.toString()));
        insecure = withLoopback(insecure, reference.registry());
        try {
            PulledImage image;
            List<String> chainIds;
            String feed = java.util.UUID.randomUUID().toString();
            Predicate<PulledImage> wanted = pulled -> !explicit || platform.matches(pulled.platform().os(),
                    pulled.platform().architecture(), pulled.platform().variant());
            StreamingExpands early = new StreamingExpands(wanted,
                    (layers, diffIds) -> expandAsync(layers, diffIds, progress, feed));
            MessageConsumer<String> resolved = vertx.eventBus().localConsumer(
                    StageBusComponent.PULL_RESOLVED_PREFIX + feed,
                    m -> early.start(StageJson.pulled(new JsonObject(m.body()))));
            try {
                image = StageJson.pulled(request(PullStage.STAGE,
                        StageJson.pullRequest(new PullRequest(reference, platform, insecure), progress)
                                .put("feed", feed)));
            } catch (BerthException e) {
                early.abandon(e);
                throw e;
            } finally {
                resolved.unregister();
            }
            if (!wanted.test(image)) {
                throw new BerthException(ErrorKind.NOT_FOUND, "pull " + reference + ": the image is for "
                        + image.platform() + ", not " + platform);
            }
            // Layers whose expansion began while they downloaded are awaited; without a streaming pull stage
            // (nothing was resolved early) they are expanded now, one after another, as always.
            chainIds = early.started() ? early.await(image.layers(), image.diffIds()) : null;
            if (chainIds == null) {
                chainIds = expandLayers(image.layers(), image.diffIds(), progress);
            }
            long size = image.config().size() + image.layers().stream().mapToLong(Descriptor::size).sum();
            String manifest = image.manifestDigest().toString();
            append(manifest, new ImagePulled(reference.toString(), manifest, image.mediaType(),
                    image.config().digest().toString(), image.platform().toString(),
                    image.layers().stream().map(l -> l.digest().toString()).toList(), chainIds, size));
            if (reference.tag() != null) {
                tag(reference.name() + ":" + reference.tag(), manifest);
            }
            return new JsonObject().put("reference", reference.toString()).put("manifestDigest", manifest)
                    .put("platform", image.platform().toString()).put("layers", image.layers().size())
                    .put("size", size).put("bytesFetched", image.bytesFetched());
        } catch (BerthException e) {
            append(reference.toString(), new PullFailed(reference.toString(), e.getMessage()));
            throw e;
        }
    }

    /** Expands each layer on top of the one before, through the expand stage; returns the chain ids. */
    private List<String> expandLayers(List<Descriptor> layers, List<Digest> diffIds, String progress)
            throws BerthException {
        for (JsonObject body : expandRequests(layers, diffIds, progress)) {
            request(ExpandStage.STAGE, body);
        }
        return chainIds(diffIds);
    }

    /**
     * Sends one expand request per layer at once, each naming the pull's {@code feed} so that the expand stage
     * may read its blob while it downloads; answers the pending replies, bottom layer first.
     */
    private List<BusCalls.Reply> expandAsync(List<Descriptor> layers, List<Digest> diffIds, String progress,
            String feed) {
        List<BusCalls.Reply> replies = new ArrayList<>();
        for (JsonObject body : expandRequests(layers, diffIds, progress)) {
            replies.add(calls.send(BusAddresses.stageAddress(ExpandStage.STAGE), ExpandStage.STAGE + " stage",
                    body.put("feed", feed), STAGE_TIMEOUT_MS));
        }
        return replies;
    }

    /** The expand request of each layer, bottom first: each on top of the chain below it. */
    private static List<JsonObject> expandRequests(List<Descriptor> layers, List<Digest> diffIds, String progress) {
        List<String> chainIds = chainIds(diffIds);
        List<JsonObject> bodies = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Digest parent = i == 0 ? null : Digest.parse(chainIds.get(i - 1));
            bodies.add(StageJson.expandRequest(new ExpandRequest(layers.get(i), diffIds.get(i),
                    Digest.parse(chainIds.get(i)), parent), progress));
        }
        return bodies;
    }

    /** Points {@code name} (registry/repository:tag) at {@code manifest}, logging only a real change. */
    void tag(String name, String manifest) throws BerthException {
        Optional<String> previous = projections.query(() -> images.tagged(name));
        if (previous.isPresent() && previous.get().equals(manifest)) {
            return;
        }
        if (previous.isPresent()) {
            append(name, new ImageUntagged(name, previous.get()));
        }
        append(name, new ImageTagged(name, manifest));
    }

    private JsonObject request(String stage, JsonObject body) throws BerthException {
        return calls.request(BusAddresses.stageAddress(stage), stage + " stage", body, STAGE_TIMEOUT_MS);
    }

    private void append(String subject, Record payload) throws BerthException {
        calls.append(subject, payload);
    }

    /** Registries on this machine's loopback speak plain HTTP, as Docker treats 127.0.0.0/8. */
    static Set<String> withLoopback(Set<String> insecure, String registry) {
        String host = registry.startsWith("[") ? registry.substring(0, registry.indexOf(']') + 1)
                : registry.split(":")[0];
        if (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]")) {
            java.util.Set<String> all = new java.util.HashSet<>(insecure);
            all.add(registry);
            return Set.copyOf(all);
        }
        return insecure;
    }

    /** OCI chain id: the first layer's diff id, then sha256 of "parent diffId" as text. */
    static Digest chainId(Digest parent, Digest diffId) {
        if (parent == null) {
            return diffId;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((parent + " " + diffId).getBytes(StandardCharsets.US_ASCII));
            return Digest.sha256(HexFormat.of().formatHex(hash));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private void onImages(Message<String> message) {
        JsonArray list = projections.query(() -> {
            JsonArray array = new JsonArray();
            for (ImageProjection.Image image : images.all()) {
                array.add(summary(image, images.tagsOf(image.manifestDigest())));
            }
            return array;
        });
        message.reply(new JsonObject().put("images", list).encode());
    }

    static JsonObject summary(ImageProjection.Image image, List<String> tags) {
        return new JsonObject().put("manifestDigest", image.manifestDigest())
                .put("id", image.configDigest()).put("tags", new JsonArray(tags))
                .put("platform", image.platform()).put("size", image.size()).put("layers", image.layers().size())
                .put("pulledAt", Instant.ofEpochSecond(0, image.pulledTimeNanos()).toString())
                .put("pulledSequence", image.pulledSequence());
    }

    private JsonObject inspect(JsonObject request) throws BerthException, IOException {
        ImageProjection.Image image = find(request.getString("reference", ""), "image inspect");
        JsonObject answer = summary(image, projections.query(() -> images.tagsOf(image.manifestDigest())));
        answer.put("mediaType", image.mediaType());
        answer.put("layerDigests", new JsonArray(image.layers()));
        answer.put("chainIds", new JsonArray(image.chainIds()));
        answer.put("manifest", blobJson(image.manifestDigest()));
        answer.put("config", blobJson(image.configDigest()));
        return answer;
    }

    private void blocking(Message<String> message, String action, BusCalls.Operation operation) {
        calls.serve(message, action, operation);
    }

    /**
     * The projection key a user's word names: a manifest digest as is, otherwise the normalised
     * {@code registry/repository:tag} (or the digest of a {@code name@digest} reference).
     */
    static String key(String wanted) {
        if (wanted.startsWith("sha256:")) {
            return Digest.parse(wanted).toString();
        }
        ImageReference reference = ImageReference.parse(wanted);
        return reference.digest() != null ? reference.digest().toString() : reference.name() + ":" + reference.tag();
    }

    private ImageProjection.Image find(String wanted, String action) throws BerthException {
        String key = key(wanted);
        return projections.query(() -> images.resolve(key)).orElseThrow(() -> new BerthException(
                ErrorKind.NOT_FOUND, action + ": no such image: " + wanted));
    }

    private JsonObject tagImage(JsonObject request) throws BerthException {
        ImageProjection.Image image = find(request.getString("source", ""), "tag");
        ImageReference target = ImageReference.parse(request.getString("target", ""));
        if (target.digest() != null) {
            throw new BerthException(ErrorKind.INVALID, "tag: the new name " + target + " must not carry a digest");
        }
        String name = target.name() + ":" + target.tag();
        tag(name, image.manifestDigest());
        return new JsonObject().put("reference", name).put("manifestDigest", image.manifestDigest());
    }

    private JsonObject removeImage(JsonObject request) throws BerthException {
        String wanted = request.getString("reference", "");
        boolean force = request.getBoolean("force", false);
        String key = key(wanted);
        ImageProjection.Image image = find(wanted, "image rm");
        List<String> names = projections.query(() -> images.tagsOf(image.manifestDigest()));
        List<String> untag = key.startsWith("sha256:") ? names : List.of(key);
        if (key.startsWith("sha256:") && names.size() > 1 && !force) {
            throw new BerthException(ErrorKind.CONFLICT, "image rm: " + wanted + " is named " + String.join(", ", names)
                    + "; remove a name, or all of them with --force");
        }
        for (String name : untag) {
            append(name, new ImageUntagged(name, image.manifestDigest()));
        }
        boolean removed = untag.size() >= names.size();
        if (removed) {
            append(image.manifestDigest(), new ImageRemoved(image.manifestDigest()));
        }
        return new JsonObject().put("untagged", new JsonArray(untag))
                .put("removed", removed ? image.manifestDigest() : null);
    }

    /** The blobs and snapshots the stored images use. */
    private record Referenced(Set<String> blobs, Set<String> snapshots) {
    }

    private Referenced referenced() {
        return projections.query(() -> {
            Set<String> blobs = new java.util.HashSet<>();
            Set<String> snapshots = new java.util.HashSet<>();
            for (ImageProjection.Image image : images.all()) {
                blobs.add(image.manifestDigest());
                blobs.add(image.configDigest());
                blobs.addAll(image.layers());
                snapshots.addAll(image.chainIds());
            }
            return new Referenced(blobs, snapshots);
        });
    }

    /** How long, by default, a blob or snapshot nothing refers to is kept, so a pull under way is never pruned. */
    static final long PRUNE_GRACE_SECONDS = 600;

    private JsonObject prune(JsonObject request) throws BerthException, IOException {
        Referenced referenced = referenced();
        long cutoff = System.currentTimeMillis()
                - TimeUnit.SECONDS.toMillis(request.getLong("graceSeconds", PRUNE_GRACE_SECONDS));
        List<String> blobs = new ArrayList<>();
        List<String> snapshots = new ArrayList<>();
        long bytes = 0;
        Path sha256 = content.resolve("sha256");
        for (Path blob : list(sha256)) {
            String digest = "sha256:" + blob.getFileName();
            if (!referenced.blobs().contains(digest) && Files.getLastModifiedTime(blob).toMillis() < cutoff) {
                bytes += Files.size(blob);
                Files.delete(blob);
                blobs.add(digest);
            }
        }
        for (Path snapshot : list(root.resolve("snapshots"))) {
            String name = snapshot.getFileName().toString();
            if (!name.matches("[0-9a-f]{64}")) {
                continue; // tmp-* directories belong to expansions under way
            }
            String chainId = "sha256:" + name;
            if (!referenced.snapshots().contains(chainId) && Files.getLastModifiedTime(snapshot).toMillis() < cutoff) {
                // Out of its final name first, in one rename: a crash mid-delete must not leave half a snapshot
                // there, which a later pull would take for the layer (or fail to commit over). What is left
                // under tmp-* is removed by the expand stage's store when it next opens.
                Path doomed = snapshot.resolveSibling("tmp-pruned-" + name.substring(0, 12) + "-"
                        + Long.toHexString(System.nanoTime()));
                Files.move(snapshot, doomed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                bytes += StoreLayout.deleteTree(doomed);
                snapshots.add(chainId);
            }
        }
        if (!blobs.isEmpty() || !snapshots.isEmpty()) {
            append("store", new ImagesPruned(blobs, snapshots, bytes));
        }
        return new JsonObject().put("blobs", new JsonArray(blobs)).put("snapshots", new JsonArray(snapshots))
                .put("bytes", bytes);
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        }
    }

    private JsonObject login(JsonObject request) throws BerthException {
        String registry = request.getString("registry", "");
        String username = request.getString("username", "");
        // Validates the host the way references do; the password is never put in a message or an event.
        ImageReference probe = ImageReference.parse(registry + "/login-check");
        if (!probe.registry().equals(registry) || username.isBlank()) {
            throw new BerthException(ErrorKind.INVALID, "login: \"" + registry + "\" is not a registry host[:port]"
                    + " or the user name is empty");
        }
        request(PullStage.STAGE, new JsonObject().put("op", "login").put("registry", registry)
                .put("username", username).put("password", request.getString("password", ""))
                .put("insecure", new JsonArray(new ArrayList<>(withLoopback(Set.of(), registry)))));
        append(registry, new RegistryLoggedIn(registry, username));
        return new JsonObject().put("status", "Login Succeeded").put("registry", registry);
    }

    private JsonObject load(JsonObject request) throws BerthException {
        String archive = request.getString("archive", "");
        if (!archive.startsWith("/")) {
            throw new BerthException(ErrorKind.INVALID, "load: the archive path must be absolute, got \"" + archive + "\"");
        }
        String progress = request.getString("progress");
        JsonObject reply = request(ArchiveStage.STAGE, new JsonObject().put("op", "load").put("archive", archive)
                .put("progress", progress));
        JsonArray loaded = new JsonArray();
        for (Object entry : reply.getJsonArray("images")) {
            LoadedImage image = StageJson.loaded((JsonObject) entry);
            List<String> chainIds = expandLayers(image.layers(), image.diffIds(), progress);
            String manifest = image.manifestDigest().toString();
            long size = image.config().size() + image.layers().stream().mapToLong(Descriptor::size).sum();
            append(manifest, new ImageLoaded(archive, manifest, image.mediaType(), image.config().digest().toString(),
                    image.platform() == null ? "" : image.platform().toString(),
                    image.layers().stream().map(l -> l.digest().toString()).toList(), chainIds, size));
            for (String name : image.tags()) {
                tag(name, manifest);
            }
            loaded.add(new JsonObject().put("manifestDigest", manifest).put("tags", new JsonArray(image.tags())));
        }
        return new JsonObject().put("images", loaded);
    }

    private JsonObject save(JsonObject request) throws BerthException, IOException {
        String target = request.getString("target", "");
        String format = request.getString("format", ArchiveStage.DOCKER);
        if (!target.startsWith("/")) {
            throw new BerthException(ErrorKind.INVALID, "save: the target path must be absolute, got \"" + target + "\"");
        }
        if (!format.equals(ArchiveStage.DOCKER) && !format.equals(ArchiveStage.OCI)) {
            throw new BerthException(ErrorKind.INVALID, "save: format must be docker or oci, got \"" + format + "\"");
        }
        JsonArray wanted = request.getJsonArray("references", new JsonArray());
        if (wanted.isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, "save: name at least one image");
        }
        JsonArray items = new JsonArray();
        List<String> digests = new ArrayList<>();
        List<String> references = new ArrayList<>();
        for (Object word : wanted) {
            String key = key(String.valueOf(word));
            ImageProjection.Image image = find(String.valueOf(word), "save");
            String reference = key.startsWith("sha256:") ? null : key;
            items.add(StageJson.saveItem(new SaveItem(reference, Digest.parse(image.manifestDigest()))));
            digests.add(image.manifestDigest());
            if (reference != null) {
                references.add(reference);
            }
        }
        request(ArchiveStage.STAGE, new JsonObject().put("op", "save").put("images", items).put("target", target)
                .put("format", format).put("progress", request.getString("progress")));
        long bytes = Files.size(Path.of(target));
        append(target, new ImagesSaved(target, format, digests, references, bytes));
        return new JsonObject().put("target", target).put("format", format).put("bytes", bytes);
    }

    /**
     * Builds an image through the commit stage and expands its layers; the caller records it. On failure the
     * blobs the build wrote that no stored image uses are deleted again, so nothing is left behind.
     */
    LoadedImage build(BuildRequest request, String progress) throws BerthException {
        LoadedImage image = StageJson.loaded(request(CommitStage.STAGE, StageJson.buildRequest(request, progress)));
        try {
            expandLayers(image.layers(), image.diffIds(), progress);
            return image;
        } catch (BerthException e) {
            forgetUnused(image, e);
            throw e;
        }
    }

    /** Deletes the blobs of an image that was never recorded, unless a stored image uses them. */
    private void forgetUnused(LoadedImage image, BerthException failure) {
        Set<String> used = referenced().blobs();
        List<String> written = new ArrayList<>(List.of(image.manifestDigest().toString(),
                image.config().digest().toString()));
        image.layers().forEach(l -> written.add(l.digest().toString()));
        for (String digest : written) {
            if (!used.contains(digest)) {
                try {
                    Files.deleteIfExists(new StoreLayout(root).blob(digest));
                } catch (IOException e) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    /** The size an image takes: its config and its layers, compressed. */
    static long size(LoadedImage image) {
        return image.config().size() + image.layers().stream().mapToLong(Descriptor::size).sum();
    }

    /** The chain ids of an image's layers, bottom first. */
    static List<String> chainIds(List<Digest> diffIds) {
        List<String> chainIds = new ArrayList<>();
        Digest parent = null;
        for (Digest diffId : diffIds) {
            parent = chainId(parent, diffId);
            chainIds.add(parent.toString());
        }
        return chainIds;
    }

    /** The normalised {@code name:tag} a commit or import names its image with, or null for none. */
    static String newName(String action, String wanted) throws BerthException {
        if (wanted == null || wanted.isBlank()) {
            return null;
        }
        ImageReference reference;
        try {
            reference = ImageReference.parse(wanted);
        } catch (IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INVALID, action + ": " + e.getMessage(), e);
        }
        if (reference.digest() != null) {
            throw new BerthException(ErrorKind.INVALID, action + ": the new name " + wanted + " must not carry a digest");
        }
        return reference.name() + ":" + reference.tag();
    }

    private JsonObject importTar(JsonObject request) throws BerthException {
        String file = request.getString("file", "");
        if (!file.startsWith("/")) {
            throw new BerthException(ErrorKind.INVALID, "import: the file path must be absolute, got \"" + file + "\"");
        }
        if (!Files.isRegularFile(Path.of(file))) {
            throw new BerthException(ErrorKind.NOT_FOUND, "import: no such file: " + file);
        }
        String name = newName("import", request.getString("reference"));
        String wantedPlatform = request.getString("platform");
        Platform platform;
        try {
            platform = wantedPlatform == null || wantedPlatform.isBlank() ? Platform.host()
                    : Platform.parse(wantedPlatform);
        } catch (IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INVALID, "import: " + e.getMessage(), e);
        }
        List<String> changes = strings(request.getJsonArray("changes"));
        String message = request.getString("message", "");
        // The API sends "source": null when the client named none; the event's source is then the file.
        String source = request.getString("source");
        if (source == null || source.isBlank()) {
            source = file;
        }
        LoadedImage image = build(new BuildRequest(Path.of(file), null, platform, null, changes,
                "berth import " + source, message, "", Instant.now()), request.getString("progress"));
        String manifest = image.manifestDigest().toString();
        append(manifest, new ImageImported(source, manifest, image.mediaType(), image.config().digest().toString(),
                String.valueOf(image.platform()), image.layers().stream().map(l -> l.digest().toString()).toList(),
                chainIds(image.diffIds()), size(image), message, changes));
        if (name != null) {
            tag(name, manifest);
        }
        return new JsonObject().put("manifestDigest", manifest).put("id", image.config().digest().toString())
                .put("reference", name);
    }

    static List<String> strings(JsonArray array) {
        List<String> all = new ArrayList<>();
        if (array != null) {
            array.forEach(v -> all.add(String.valueOf(v)));
        }
        return all;
    }

    private JsonObject push(JsonObject request) throws BerthException {
        String wanted = request.getString("reference", "");
        ImageReference target;
        Set<String> insecure;
        try {
            target = ImageReference.parse(wanted);
            insecure = Set.copyOf(strings(request.getJsonArray("insecure")));
        } catch (IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INVALID, "push: " + e.getMessage(), e);
        }
        ImageProjection.Image image = find(wanted, "push");
        String manifest = image.manifestDigest();
        List<ImageReference> sources = projections.query(() -> {
            List<ImageReference> all = new ArrayList<>();
            for (String digest = manifest; digest != null; ) {
                images.tagsOf(digest).forEach(t -> all.add(ImageReference.parse(t)));
                String current = digest;
                digest = images.resolve(current).map(ImageProjection.Image::base).orElse(null);
            }
            return all;
        });
        insecure = withLoopback(insecure, target.registry());
        try {
            PushedImage pushed = StageJson.pushed(request(PushStage.STAGE, StageJson.pushRequest(
                    new PushRequest(target, Digest.parse(manifest), insecure, sources), request.getString("progress"))));
            append(target.toString(), new ImagePushed(target.toString(), manifest, pushed.uploaded(),
                    pushed.existing(), pushed.mounted(), pushed.bytesSent()));
            return StageJson.pushed(pushed).put("size", image.size());
        } catch (BerthException e) {
            append(target.toString(), new PushFailed(target.toString(), manifest, e.getMessage()));
            throw e;
        }
    }

    private JsonObject blobJson(String digest) throws IOException {
        return new JsonObject(Files.readString(new StoreLayout(root).blob(digest)));
    }
}
