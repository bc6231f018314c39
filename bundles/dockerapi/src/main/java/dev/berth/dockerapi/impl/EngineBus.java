package dev.berth.dockerapi.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * Requests to the engine over the event bus ({@code dev.berth.api.bus.BusAddresses}): a JSON object out, the
 * JSON object reply back. A failed reply keeps the engine's code (Berth's error kinds as HTTP statuses),
 * which {@link DockerReply#status(Throwable)} turns into the answer's status. Thread-safe.
 */
final class EngineBus {
    /** The timeout of ordinary requests. */
    static final long TIMEOUT_MS = 30_000;
    /** The timeout of requests that may take minutes: pull, load, save, remove. */
    static final long SLOW_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(31);

    private final Vertx vertx;

    EngineBus(Vertx vertx) {
        this.vertx = vertx;
    }

    Vertx vertx() {
        return vertx;
    }

    /** Sends {@code body} to {@code address} and completes with the reply, within {@link #TIMEOUT_MS}. */
    Future<JsonObject> ask(String address, JsonObject body) {
        return ask(address, body, TIMEOUT_MS);
    }

    /** Sends {@code body} to {@code address} and completes with the reply, within {@code timeoutMs}. */
    Future<JsonObject> ask(String address, JsonObject body, long timeoutMs) {
        return vertx.eventBus().<String>request(address, body.encode(), new DeliveryOptions().setSendTimeout(timeoutMs))
                .map(message -> new JsonObject(message.body()));
    }
}
