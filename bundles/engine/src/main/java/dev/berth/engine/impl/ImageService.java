package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.ImagePulled;
import dev.berth.api.events.ImageTagged;
import dev.berth.api.events.ImageUntagged;
import dev.berth.api.events.PullFailed;
import dev.berth.api.events.PullRequested;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.Platform;
import dev.berth.api.stage.ExpandRequest;
import dev.berth.api.stage.ExpandStage;
import dev.berth.api.stage.PullRequest;
import dev.berth.api.stage.PullStage;
import dev.berth.api.stage.PulledImage;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
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

    ImageService(Vertx vertx, EventLog log, EventCodec codec, Projections projections, ImageProjection images,
            Path root) {
        this.vertx = vertx;
        this.log = log;
        this.codec = codec;
        this.projections = projections;
        this.images = images;
        this.content = root.resolve("content/blobs");
    }

    List<MessageConsumer<?>> register() {
        return List.of(
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_PULL, this::onPull),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_IMAGES, this::onImages),
                vertx.eventBus().<String>consumer(BusAddresses.ENGINE_IMAGE_INSPECT, this::onInspect));
    }

    private void onPull(Message<String> message) {
        ImageReference reference;
        Platform platform;
        Set<String> insecure;
        String progress;
        try {
            JsonObject body = new JsonObject(message.body());
            reference = ImageReference.parse(body.getString("reference", ""));
            String wanted = body.getString("platform");
            platform = wanted == null || wanted.isBlank() ? Platform.host() : Platform.parse(wanted);
            insecure = Set.copyOf(body.getJsonArray("insecure", new JsonArray()).getList().stream()
                    .map(String::valueOf).toList());
            progress = body.getString("progress");
        } catch (RuntimeException e) {
            message.fail(ErrorKind.INVALID.httpStatus(), "pull: " + e.getMessage());
            return;
        }
        boolean explicit = new JsonObject(message.body()).getString("platform") != null;
        vertx.executeBlocking(() -> pull(reference, platform, explicit, insecure, progress), false).onComplete(ar -> {
            if (ar.succeeded()) {
                message.reply(ar.result().encode());
            } else if (ar.cause() instanceof BerthException b) {
                message.fail(b.kind().httpStatus(), b.getMessage());
            } else {
                message.fail(ErrorKind.INTERNAL.httpStatus(), "pull " + reference + ": " + ar.cause());
            }
        });
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
            PulledImage image = StageJson.pulled(request(PullStage.STAGE,
                    StageJson.pullRequest(new PullRequest(reference, platform, insecure), progress)));
            Platform got = image.platform();
            if (explicit && !platform.matches(got.os(), got.architecture(), got.variant())) {
                throw new BerthException(ErrorKind.NOT_FOUND, "pull " + reference + ": the image is for " + got
                        + ", not " + platform);
            }
            List<String> chainIds = new ArrayList<>();
            Digest parent = null;
            for (int i = 0; i < image.layers().size(); i++) {
                Digest chainId = chainId(parent, image.diffIds().get(i));
                StageJson.expanded(request(ExpandStage.STAGE, StageJson.expandRequest(
                        new ExpandRequest(image.layers().get(i), image.diffIds().get(i), chainId, parent), progress)));
                chainIds.add(chainId.toString());
                parent = chainId;
            }
            long size = image.config().size() + image.layers().stream().mapToLong(Descriptor::size).sum();
            String manifest = image.manifestDigest().toString();
            append(manifest, new ImagePulled(reference.toString(), manifest, image.mediaType(),
                    image.config().digest().toString(), image.platform().toString(),
                    image.layers().stream().map(l -> l.digest().toString()).toList(), chainIds, size));
            if (reference.tag() != null) {
                String name = reference.name() + ":" + reference.tag();
                Optional<String> previous = projections.query(() -> images.tagged(name));
                if (previous.isPresent() && !previous.get().equals(manifest)) {
                    append(name, new ImageUntagged(name, previous.get()));
                }
                if (previous.isEmpty() || !previous.get().equals(manifest)) {
                    append(name, new ImageTagged(name, manifest));
                }
            }
            return new JsonObject().put("reference", reference.toString()).put("manifestDigest", manifest)
                    .put("platform", image.platform().toString()).put("layers", image.layers().size())
                    .put("size", size).put("bytesFetched", image.bytesFetched());
        } catch (BerthException e) {
            append(reference.toString(), new PullFailed(reference.toString(), e.getMessage()));
            throw e;
        }
    }

    private JsonObject request(String stage, JsonObject body) throws BerthException {
        try {
            Message<String> reply = vertx.eventBus().<String>request(BusAddresses.stageAddress(stage), body.encode(),
                    new DeliveryOptions().setSendTimeout(STAGE_TIMEOUT_MS)).toCompletionStage().toCompletableFuture()
                    .get(STAGE_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
            return new JsonObject(reply.body());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ReplyException r) {
                ErrorKind kind = switch (r.failureCode()) {
                    case 400 -> ErrorKind.INVALID;
                    case 404 -> ErrorKind.NOT_FOUND;
                    case 409 -> ErrorKind.CONFLICT;
                    case 500 -> ErrorKind.INTERNAL;
                    default -> ErrorKind.UNAVAILABLE;
                };
                throw new BerthException(kind, r.getMessage(), r);
            }
            throw new BerthException(ErrorKind.INTERNAL, stage + " stage: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, stage + " stage did not answer in "
                    + STAGE_TIMEOUT_MS / 60_000 + " minutes", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.UNAVAILABLE, stage + " stage: interrupted", e);
        }
    }

    private void append(String subject, Record payload) throws BerthException {
        try {
            log.append(codec.draft(subject, payload)).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BerthException b) {
                throw b;
            }
            throw new BerthException(ErrorKind.INTERNAL, "append " + payload.getClass().getSimpleName() + ": "
                    + e.getCause(), e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "append " + payload.getClass().getSimpleName()
                    + ": the event log did not acknowledge", e);
        }
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

    private static JsonObject summary(ImageProjection.Image image, List<String> tags) {
        return new JsonObject().put("manifestDigest", image.manifestDigest())
                .put("id", image.configDigest()).put("tags", new JsonArray(tags))
                .put("platform", image.platform()).put("size", image.size()).put("layers", image.layers().size())
                .put("pulledAt", Instant.ofEpochSecond(0, image.pulledTimeNanos()).toString())
                .put("pulledSequence", image.pulledSequence());
    }

    private void onInspect(Message<String> message) {
        String wanted;
        try {
            wanted = new JsonObject(message.body()).getString("reference", "");
        } catch (RuntimeException e) {
            message.fail(ErrorKind.INVALID.httpStatus(), "image inspect: " + e.getMessage());
            return;
        }
        String key;
        if (wanted.startsWith("sha256:")) {
            key = wanted;
        } else {
            try {
                ImageReference reference = ImageReference.parse(wanted);
                key = reference.digest() != null ? reference.digest().toString()
                        : reference.name() + ":" + reference.tag();
            } catch (IllegalArgumentException e) {
                message.fail(ErrorKind.INVALID.httpStatus(), "image inspect: " + e.getMessage());
                return;
            }
        }
        record Found(ImageProjection.Image image, List<String> tags) {
        }
        Optional<Found> found = projections.query(() -> images.resolve(key)
                .map(image -> new Found(image, images.tagsOf(image.manifestDigest()))));
        if (found.isEmpty()) {
            message.fail(ErrorKind.NOT_FOUND.httpStatus(), "image inspect: no such image: " + wanted);
            return;
        }
        vertx.executeBlocking(() -> {
            ImageProjection.Image image = found.get().image();
            JsonObject answer = summary(image, found.get().tags());
            answer.put("mediaType", image.mediaType());
            answer.put("layerDigests", new JsonArray(image.layers()));
            answer.put("chainIds", new JsonArray(image.chainIds()));
            answer.put("manifest", blobJson(image.manifestDigest()));
            answer.put("config", blobJson(image.configDigest()));
            return answer;
        }, false).onComplete(ar -> {
            if (ar.succeeded()) {
                message.reply(ar.result().encode());
            } else {
                message.fail(ErrorKind.INTERNAL.httpStatus(), "image inspect: " + ar.cause().getMessage());
            }
        });
    }

    private JsonObject blobJson(String digest) throws IOException {
        Digest d = Digest.parse(digest);
        return new JsonObject(Files.readString(content.resolve(d.algorithm()).resolve(d.hex())));
    }
}
