package dev.berth.dockerapi.impl;

import dev.berth.api.bus.BusAddresses;
import dev.berth.api.image.ImageReference;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code docker push}: {@code POST /images/{name}/push?tag=}, one {@code berth.engine.push} of
 * {@code name:tag}, answered as Docker's progress stream: {@code The push refers to repository [NAME]} at
 * once, the push stage's per-layer progress in Docker's words ({@link DockerProgress#push()}), then
 * {@code TAG: digest: DIGEST size: SIZE} and the {@code aux} message with tag, digest and size; a failure
 * is Docker's in-stream error message (the answer has begun), a missing image in Docker's words. The
 * {@code X-Registry-Auth} header is not read (nor logged): Berth pushes with the logins of
 * {@code berth login}. Registries on 127.0.0.0/8 are spoken to over plain HTTP, as for pulls. Pushing every
 * tag (no {@code tag}) and choosing a platform are 501s: Berth stores one platform per image. Thread-safe:
 * handlers run on event loops and share only immutable state.
 */
final class PushApi implements DockerRoutes {
    private final EngineBus engine;

    PushApi(EngineBus engine) {
        this.engine = engine;
    }

    @Override
    public boolean handle(DockerRequest request) {
        List<String> m = request.match(HttpMethod.POST, "/images/{name*}/push");
        if (m == null) {
            return false;
        }
        ImageReference target = target(m.get(0), request.query().string("tag"));
        String platform = request.query().string("platform", "");
        if (!platform.isEmpty()) {
            throw DockerException.notImplemented("Berth does not implement choosing the platform to push (platform="
                    + QueryParameters.shorten(platform) + "): it stores one platform per image; leave --platform out");
        }
        ProgressStream stream = new ProgressStream(request.response(), List.of(new JsonObject()
                .put("status", "The push refers to repository [" + target.name() + "]")));
        stream.begin();
        JsonObject order = new JsonObject().put("reference", target.toString()).put("insecure", new JsonArray());
        stream.follow(engine, BusAddresses.ENGINE_PUSH, order, DockerProgress.push()).onComplete(ar -> {
            if (ar.succeeded()) {
                stream.end(finish(target.tag(), ar.result()));
            } else {
                stream.fail(ar.cause(), failure(ar.cause(), target));
            }
        });
        return true;
    }

    /**
     * The reference to push: {@code name} (Docker's client sends it without a tag) with {@code tag}, or the
     * tag {@code name} carries when {@code tag} is empty.
     *
     * @throws DockerException 400 for a malformed name or a digest, 501 when no tag is named at all (push
     *         every tag)
     */
    static ImageReference target(String name, String tag) {
        ImageReference named = DockerNames.reference(name);
        if (named.digest() != null) {
            throw DockerException.invalid("cannot push a digest reference");
        }
        if (tag != null && !tag.isEmpty()) {
            return DockerNames.reference(named.name() + ":" + tag);
        }
        if (name.lastIndexOf(':') > name.lastIndexOf('/')) {
            return named;
        }
        throw DockerException.notImplemented("Berth does not implement pushing every tag of a repository "
                + "(docker push --all-tags); name a tag");
    }

    /**
     * The messages after a push: {@code TAG: digest: DIGEST size: SIZE}, then {@code aux} with the same three,
     * from the engine's {@code {"manifestDigest","size"}}.
     */
    static List<JsonObject> finish(String tag, JsonObject pushed) {
        String digest = pushed.getString("manifestDigest");
        long size = pushed.getLong("size", 0L);
        return List.of(new JsonObject().put("status", tag + ": digest: " + digest + " size: " + size),
                new JsonObject().put("progressDetail", new JsonObject()).put("aux", new JsonObject().put("Tag", tag)
                        .put("Digest", digest).put("Size", size)));
    }

    /**
     * A failed push in Docker's words: an image not stored under the name reads as Docker's
     * {@code An image does not exist locally with the tag: NAME}; anything else keeps the engine's message.
     */
    static String failure(Throwable cause, ImageReference target) {
        String message = DockerReply.message(cause);
        if (DockerReply.status(cause) == 404 && message.contains("no such image")) {
            return "An image does not exist locally with the tag: " + DockerNames.familiar(target.name());
        }
        return message;
    }
}
