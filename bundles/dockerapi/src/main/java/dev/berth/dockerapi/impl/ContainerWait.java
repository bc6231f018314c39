package dev.berth.dockerapi.impl;

import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code POST /containers/{id}/wait?condition=} call. The 200 header goes out as soon as the container
 * is known, before anything has ended: the docker client's {@code ContainerWait} returns only once it has
 * the header, and {@code docker run} starts the container only after that, so the wait is in place before
 * the exit can happen. The body, {@code {"StatusCode","Error"}}, follows when the condition holds:
 * <ul>
 * <li>{@code not-running} (the default): at once for a container that is not running, else at its exit;
 * <li>{@code next-exit}: at the next exit, also for a container that exited before (a {@code docker start
 *     -a} of a stopped one), learned from the log's {@code container.exited} event;
 * <li>{@code removed}: once the container is removed (Berth's own wait answers after the removal of an
 *     {@code --rm} container), with its last exit code.
 * </ul>
 * The exit code is the container's own, also under {@code --rm} and after an OOM kill (137). The event
 * subscriptions are made before the container's state is read, so no exit between the two is missed, and
 * are dropped when the answer is sent or the client leaves. Not thread-safe: runs on the request's event
 * loop.
 */
final class ContainerWait {
    private final ContainerApi api;
    private final DockerRequest request;
    private final String asked;
    private final String condition;
    private final List<MessageConsumer<String>> consumers = new ArrayList<>();
    private final List<JsonObject> early = new ArrayList<>();
    private String id;
    private boolean done;
    /** What to do with an event of the container, once its state is known; null: keep it for later. */
    private java.util.function.Consumer<JsonObject> onEvent;

    ContainerWait(ContainerApi api, DockerRequest request, String asked) {
        this.api = api;
        this.request = request;
        this.asked = asked;
        String wanted = request.query().string("condition", "not-running");
        if (!List.of("not-running", "next-exit", "removed").contains(wanted)) {
            throw DockerException.invalid("invalid condition: \"" + QueryParameters.shorten(wanted)
                    + "\"; use not-running, next-exit or removed");
        }
        this.condition = wanted;
    }

    void start() {
        consumers.add(api.events("container.exited", this::event));
        consumers.add(api.events("container.removed", this::event));
        Future.all(consumers.stream().map(MessageConsumer::completion).toList())
                .compose(v -> api.ask(ContainerApi.order("inspect", asked)))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        unregister();
                        ContainerApi.fail(request, ar.cause(), asked);
                        return;
                    }
                    HttpServerResponse response = request.response();
                    response.setChunked(true).setStatusCode(200).putHeader("Content-Type", "application/json");
                    response.writeHead();
                    response.closeHandler(v -> {
                        done = true;
                        unregister();
                    });
                    decide(ar.result());
                    if (onEvent == null) {
                        onEvent = event -> { }; // no event decides this wait: keep none
                        early.clear();
                    }
                });
    }

    private void decide(JsonObject c) {
        id = c.getString("id");
        String status = c.getString("status", "");
        boolean ended = status.equals("exited");
        boolean removed = condition.equals("removed");
        if (condition.equals("not-running") && !status.equals("running")) {
            answer(c);
        } else if (condition.equals("next-exit") && ended) {
            watch(event -> {
                if (type(event).equals("container.exited")) {
                    answer(event.getJsonObject("payload", new JsonObject()));
                } else {
                    answer(c); // removed without running again
                }
            });
        } else if (removed && ended) {
            watch(event -> {
                if (type(event).equals("container.removed")) {
                    answer(c);
                }
            });
        } else {
            // Created or running: Berth's wait answers at the exit (after the removal of an --rm container).
            JsonObject[] exit = {null};
            if (removed && !c.getBoolean("autoRemove", false)) {
                watch(event -> {
                    if (type(event).equals("container.removed") && exit[0] != null) {
                        answer(exit[0]);
                    } else if (type(event).equals("container.exited")) {
                        exit[0] = event.getJsonObject("payload", new JsonObject());
                    }
                });
            }
            api.ask(ContainerApi.order("wait", id), ContainerApi.WAIT_TIMEOUT_MS).onComplete(ar -> {
                if (ar.failed()) {
                    failAfterHeader(ar.cause().getMessage());
                } else if (!removed || c.getBoolean("autoRemove", false)) {
                    answer(ar.result());
                } else {
                    exit[0] = ar.result(); // now wait for the removal
                }
            });
        }
    }

    /** Passes this container's events, the early ones first, to {@code handler}. */
    private void watch(java.util.function.Consumer<JsonObject> handler) {
        onEvent = handler;
        List<JsonObject> seen = new ArrayList<>(early);
        early.clear();
        seen.forEach(this::event);
    }

    private void event(JsonObject envelope) {
        if (done) {
            return;
        }
        if (onEvent == null || id == null) {
            early.add(envelope);
            return;
        }
        if (id.equals(envelope.getString("subject"))) {
            onEvent.accept(envelope);
        }
    }

    private static String type(JsonObject envelope) {
        return envelope.getString("type", "");
    }

    private void answer(JsonObject exit) {
        JsonObject normalised = exit.getValue("exitCode") == null && exit.getValue("ExitCode") == null
                ? exit.copy().put("exitCode", 0) : exit;
        finish(DockerContainerJson.waitAnswer(normalised));
    }

    private void failAfterHeader(String message) {
        finish(new JsonObject().put("StatusCode", -1)
                .put("Error", new JsonObject().put("Message", message == null ? "wait failed" : message)));
    }

    /** Ends the answer with {@code body}, once: the first outcome wins, later ones are dropped. */
    private void finish(JsonObject body) {
        if (done) {
            return;
        }
        done = true;
        unregister();
        HttpServerResponse response = request.response();
        if (!response.ended() && !response.closed()) {
            response.end(body.encode() + "\n");
        }
    }

    private void unregister() {
        consumers.forEach(MessageConsumer::unregister);
        consumers.clear();
    }

}
