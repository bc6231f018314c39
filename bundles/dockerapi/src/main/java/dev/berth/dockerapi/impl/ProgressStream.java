package dev.berth.dockerapi.impl;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;

/**
 * One answer in Docker's JSON progress stream ({@code docker pull}, {@code push}, {@code import}): a 200 with
 * one JSON message per line. The answer begins with its opening messages at the first message written (or
 * at {@link #begin()}); until then a failure is still an ordinary error answer with its own status, after
 * it a failure is Docker's in-stream error message, which the client prints before exiting 1. Messages for
 * a client that has gone away are dropped. Not thread-safe: used on the request's event loop.
 */
final class ProgressStream {
    private final HttpServerResponse response;
    private final List<JsonObject> opening;
    private boolean begun;

    /**
     * @param opening the messages the stream starts with ({@code Pulling from library/busybox})
     */
    ProgressStream(HttpServerResponse response, List<JsonObject> opening) {
        this.response = response;
        this.opening = List.copyOf(opening);
    }

    /** Sends the 200, the headers and the opening messages, once. */
    void begin() {
        if (begun || !open()) {
            return;
        }
        begun = true;
        response.setChunked(true).setStatusCode(200).putHeader("Content-Type", "application/json");
        opening.forEach(this::send);
    }

    /** Writes one message, beginning the stream first if needed. */
    void write(JsonObject message) {
        begin();
        send(message);
    }

    /** Writes {@code closing} and ends the answer. */
    void end(List<JsonObject> closing) {
        begin();
        closing.forEach(this::send);
        if (open()) {
            response.end();
        }
    }

    /**
     * Answers a failure: before the stream began, as an error with the failure's status
     * ({@link DockerReply#status}) and {@code message}; after, as Docker's error message, ending the stream.
     */
    void fail(Throwable cause, String message) {
        if (!begun) {
            DockerReply.error(response, DockerReply.status(cause), message);
            return;
        }
        send(error(message));
        if (open()) {
            response.end();
        }
    }

    /**
     * Sends {@code order} to {@code address} with a fresh progress address, writing the stage's progress
     * updates, as {@code translator} words them, while the engine works; completes with the engine's reply.
     */
    Future<JsonObject> follow(EngineBus engine, String address, JsonObject order, DockerProgress translator) {
        String progress = BusAddresses.PROGRESS_PREFIX + UUID.randomUUID();
        MessageConsumer<String> updates = engine.vertx().eventBus().consumer(progress, m -> {
            try {
                translator.translate(new JsonObject(m.body())).forEach(this::write);
            } catch (DecodeException | ClassCastException e) {
                // not a progress update: nothing to show
            }
        });
        return updates.completion()
                .compose(v -> engine.ask(address, order.copy().put("progress", progress), EngineBus.SLOW_TIMEOUT_MS))
                .andThen(ar -> updates.unregister());
    }

    /** A stream error as Docker's client reads it: it prints the message and exits 1. */
    static JsonObject error(String message) {
        return new JsonObject().put("errorDetail", new JsonObject().put("message", message)).put("error", message);
    }

    private boolean open() {
        return !response.ended() && !response.closed();
    }

    private void send(JsonObject message) {
        if (open()) {
            response.write(message.encode() + "\r\n");
        }
    }
}
