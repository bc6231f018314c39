package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The two blocking calls the engine's services make from worker threads: a request to a stage over the
 * bus, and an append to the event log awaited until durable. Failures become {@link BerthException}s
 * whose kind follows the stage's failure code. Thread-safe.
 */
final class BusCalls {
    private final Vertx vertx;
    private final EventLog log;
    private final EventCodec codec;

    BusCalls(Vertx vertx, EventLog log, EventCodec codec) {
        this.vertx = vertx;
        this.log = log;
        this.codec = codec;
    }

    /**
     * A request sent over the bus whose JSON reply may still be on its way: {@link #await} waits for it.
     * Several sent before any is awaited run side by side (each stage call runs on its stage's own threads).
     *
     * @param body      the reply's body, as it completes
     * @param what      names the callee in error messages ("expand stage", "runtime runc")
     * @param timeoutMs the callee's time to answer
     */
    record Reply(CompletableFuture<JsonObject> body, String what, long timeoutMs) {
        /** Waits for the reply; a failed one becomes the exception it stands for, with the stage's own kind. */
        JsonObject await() throws BerthException {
            try {
                return body.get(timeoutMs + 5_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof ReplyException r) {
                    throw new BerthException(ErrorKind.forHttpStatus(r.failureCode(), ErrorKind.UNAVAILABLE),
                            r.getMessage(), r);
                }
                throw new BerthException(ErrorKind.INTERNAL, what + ": " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, what + " did not answer in " + timeoutMs / 1000
                        + " s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BerthException(ErrorKind.UNAVAILABLE, what + ": interrupted", e);
            }
        }
    }

    /** Sends {@code body} to {@code address} and waits up to {@code timeoutMs} for the JSON reply. */
    JsonObject request(String address, String what, JsonObject body, long timeoutMs) throws BerthException {
        return send(address, what, body, timeoutMs).await();
    }

    /** Sends {@code body} to {@code address} and returns at once; the reply is awaited later. */
    Reply send(String address, String what, JsonObject body, long timeoutMs) {
        return new Reply(vertx.eventBus().<String>request(address, body.encode(),
                new DeliveryOptions().setSendTimeout(timeoutMs)).map(m -> new JsonObject(m.body()))
                .toCompletionStage().toCompletableFuture(), what, timeoutMs);
    }

    /**
     * Appends {@code payloads} about {@code subject}, in order, and waits until the log has them all on disk.
     * They are handed to the log back to back, so its group commit makes them durable with one fsync instead
     * of one each; the first failure is thrown (the records before it may be durable, as with single appends).
     */
    void appendAll(String subject, Record... payloads) throws BerthException {
        List<CompletableFuture<EventRecord>> pending = new ArrayList<>();
        for (Record payload : payloads) {
            pending.add(log.append(codec.draft(subject, payload)).toCompletableFuture());
        }
        for (int i = 0; i < payloads.length; i++) {
            await(pending.get(i), payloads[i]);
        }
    }

    /** Appends {@code payload} about {@code subject} and waits until the log has it on disk. */
    EventRecord append(String subject, Record payload) throws BerthException {
        return await(log.append(codec.draft(subject, payload)).toCompletableFuture(), payload);
    }

    private static EventRecord await(CompletableFuture<EventRecord> append, Record payload) throws BerthException {
        try {
            return append.get(30, TimeUnit.SECONDS);
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

    /** One request handled on a worker thread: JSON in, JSON or a classified failure out. */
    interface Operation {
        JsonObject run(JsonObject request) throws BerthException, IOException;
    }

    void serve(Message<String> message, String action, Operation operation) {
        JsonObject request;
        try {
            request = new JsonObject(message.body());
        } catch (RuntimeException e) {
            message.fail(ErrorKind.INVALID.httpStatus(), action + ": " + e.getMessage());
            return;
        }
        vertx.executeBlocking(() -> operation.run(request), false).onComplete(ar -> answer(message, action, ar));
    }

    /** Replies with the result, or fails the message with the status its failure's kind calls for. */
    static void answer(Message<String> message, String action, AsyncResult<JsonObject> result) {
        if (result.succeeded()) {
            message.reply(result.result().encode());
        } else {
            fail(message, action, result.cause());
        }
    }

    /**
     * Fails {@code message}: a {@link BerthException} with its kind and message, an IllegalArgumentException
     * as INVALID, anything else as INTERNAL, both named by {@code action}.
     */
    static void fail(Message<String> message, String action, Throwable cause) {
        if (cause instanceof BerthException b) {
            message.fail(b.kind().httpStatus(), b.getMessage());
        } else if (cause instanceof IllegalArgumentException e) {
            message.fail(ErrorKind.INVALID.httpStatus(), action + ": " + e.getMessage());
        } else {
            message.fail(ErrorKind.INTERNAL.httpStatus(), action + ": " + cause);
        }
    }
}
