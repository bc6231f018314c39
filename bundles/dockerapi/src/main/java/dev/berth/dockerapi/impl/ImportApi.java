package dev.berth.dockerapi.impl;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code docker import}: {@code POST /images/create?fromSrc=-&repo=&tag=&message=&changes=&platform=} with a
 * filesystem tar (plain or gzip) as the body. The body is written, as it arrives, to a private file in the
 * {@link ScratchFiles} folder (bounded by the disk only), which the engine's {@code berth.engine.import} makes
 * a one-layer image of; the file is deleted afterwards, also when the client goes away. The answer is
 * Docker's progress stream with the one message {@code docker import} prints: {@code {"status": IMAGE_ID}}.
 * Only a request with {@code fromSrc} and no {@code fromImage} is an import (Docker's rule); a source other
 * than {@code -} (a URL) is a 501: Berth fetches nothing from the network for an import. Thread-safe:
 * handlers run on event loops and share only immutable state.
 */
final class ImportApi implements DockerRoutes {
    private final EngineBus engine;
    private final ScratchFiles scratch;

    ImportApi(EngineBus engine, ScratchFiles scratch) {
        this.engine = engine;
        this.scratch = scratch;
    }

    @Override
    public boolean handle(DockerRequest request) {
        if (request.match(HttpMethod.POST, "/images/create") == null || !request.query().has("fromSrc")
                || !request.query().string("fromImage", "").isEmpty()) {
            return false;
        }
        JsonObject order = order(request.query());
        request.http().pause();
        Path[] file = new Path[1];
        scratch.file("import-", ".tar")
                .compose(path -> {
                    file[0] = path;
                    return scratch.receive(request.http(), path, Long.MAX_VALUE, "import");
                })
                .compose(v -> engine.ask(BusAddresses.ENGINE_IMPORT, order.copy().put("file", file[0].toString()),
                        EngineBus.SLOW_TIMEOUT_MS))
                .onComplete(ar -> {
                    scratch.delete(file[0]);
                    ProgressStream stream = new ProgressStream(request.response(), List.of());
                    if (ar.failed()) {
                        stream.fail(ar.cause(), DockerReply.message(ar.cause()));
                    } else {
                        stream.end(List.of(new JsonObject().put("status", ar.result().getString("id"))));
                    }
                });
        return true;
    }

    /**
     * The engine's import order for Docker's query, without the file: {@code reference} (from {@code repo},
     * which may carry a tag, and {@code tag}; null for none), {@code changes} (one instruction a line), the
     * {@code message} (Docker's {@code Imported from -} when empty), the {@code platform} and the source.
     *
     * @throws DockerException 400 for a malformed name, platform or source, 501 for a URL source
     */
    static JsonObject order(QueryParameters query) {
        String source = query.string("fromSrc", "");
        if (source.isEmpty()) {
            throw DockerException.invalid("import: fromSrc must be - (the tar is the request body)");
        }
        if (!source.equals("-")) {
            throw DockerException.notImplemented("Berth does not implement importing from a URL (fromSrc="
                    + QueryParameters.shorten(source) + "); download the tar and send it as the body (fromSrc=-)");
        }
        JsonObject order = new JsonObject().put("source", source)
                .put("reference", DockerNames.repoTag(query.string("repo"), query.string("tag")))
                .put("changes", new JsonArray(DockerfileChanges.lines(query.all("changes"))))
                .put("message", query.string("message", "Imported from " + source));
        String platform = query.platform("platform");
        if (platform != null) {
            order.put("platform", platform);
        }
        return order;
    }
}
