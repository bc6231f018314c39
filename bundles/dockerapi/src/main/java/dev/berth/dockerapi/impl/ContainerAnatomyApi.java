package dev.berth.dockerapi.impl;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * The calls about a container's filesystem against its image, each one of the engine's
 * {@code berth.engine.containers} ops: {@code GET /containers/{id}/changes} ({@code docker diff}, op
 * {@code changes}), {@code POST /commit} ({@code docker commit}, op {@code commit}: a {@link CommitOrder})
 * and {@code GET /containers/{id}/export} ({@code docker export}, op {@code export}: the engine writes the
 * tar into a private folder of the {@link ScratchFiles}, which is streamed to the client and deleted once
 * sent, or when the client has gone away). {@code docker cp}'s {@code /containers/{id}/archive} is not
 * here: the router answers it 501. Failures read as {@link ContainerApi#fail} words them. Thread-safe:
 * handlers run on event loops and share only immutable state.
 */
final class ContainerAnatomyApi implements DockerRoutes {
    /** What the exported tar is called inside its private scratch folder. */
    static final String EXPORT_FILE = "container.tar";

    private final EngineBus engine;
    private final ScratchFiles scratch;

    ContainerAnatomyApi(EngineBus engine, ScratchFiles scratch) {
        this.engine = engine;
        this.scratch = scratch;
    }

    @Override
    public boolean handle(DockerRequest request) {
        List<String> m;
        if ((m = request.match(HttpMethod.GET, "/containers/{id}/changes")) != null) {
            changes(request, m.get(0));
        } else if (request.match(HttpMethod.POST, "/commit") != null) {
            commit(request);
        } else if ((m = request.match(HttpMethod.GET, "/containers/{id}/export")) != null) {
            export(request, m.get(0));
        } else {
            return false;
        }
        return true;
    }

    private void changes(DockerRequest request, String id) {
        ask(ContainerApi.order("changes", id), EngineBus.TIMEOUT_MS).onComplete(ar -> {
            if (ar.succeeded()) {
                DockerReply.json(request.response(), 200, changes(ar.result()));
            } else {
                ContainerApi.fail(request, ar.cause(), id);
            }
        });
    }

    /**
     * Docker's {@code FilesystemChange} list from the engine's {@code {"changes": [{"path","kind"}]}}: an
     * empty array when nothing changed.
     *
     * @throws DockerException 500 for a kind that is not A, C or D
     */
    static JsonArray changes(JsonObject answer) {
        JsonArray out = new JsonArray();
        for (Object entry : answer.getJsonArray("changes", new JsonArray())) {
            JsonObject change = (JsonObject) entry;
            out.add(new JsonObject().put("Path", change.getString("path")).put("Kind", kind(change.getString("kind"))));
        }
        return out;
    }

    /**
     * Docker's {@code ChangeType} for Berth's letter: 0 modified (C), 1 added (A), 2 deleted (D).
     *
     * @throws DockerException 500 for any other letter
     */
    static int kind(String letter) {
        return switch (letter == null ? "" : letter) {
            case "C" -> 0;
            case "A" -> 1;
            case "D" -> 2;
            default -> throw new DockerException(500, "diff: the engine named an unknown kind of change \""
                    + letter + "\"");
        };
    }

    private void commit(DockerRequest request) {
        CommitOrder query = CommitOrder.fromQuery(request.query());
        // A setting of the body Berth cannot apply fails the composition with its 400.
        ContainerApi.body(request).compose(config -> ask(query.withConfig(config).toJson(), EngineBus.SLOW_TIMEOUT_MS))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        DockerReply.json(request.response(), 201, new JsonObject().put("Id", ar.result().getString("id")));
                    } else {
                        ContainerApi.fail(request, ar.cause(), query.container());
                    }
                });
    }

    private void export(DockerRequest request, String id) {
        HttpServerResponse response = request.response();
        Path[] folder = new Path[1];
        scratch.folder("export-").compose(made -> {
            folder[0] = made;
            return ask(ContainerApi.order("export", id).put("target", made.resolve(EXPORT_FILE).toString()),
                    EngineBus.SLOW_TIMEOUT_MS);
        }).onComplete(ar -> {
            if (ar.failed() || response.closed()) {
                scratch.delete(folder[0]);
                if (ar.failed()) {
                    ContainerApi.fail(request, ar.cause(), id);
                }
                return;
            }
            response.putHeader("Content-Type", "application/x-tar");
            response.sendFile(folder[0].resolve(EXPORT_FILE).toString()).onComplete(sent -> scratch.delete(folder[0]));
        });
    }

    private Future<JsonObject> ask(JsonObject order, long timeoutMs) {
        return engine.ask(BusAddresses.ENGINE_CONTAINERS, order, timeoutMs);
    }
}
