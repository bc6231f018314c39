package dev.berth.dockerapi.impl;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * How every Docker API answer is written: JSON bodies, and errors as {@code {"message": ...}} with the
 * status Docker's client expects (400 invalid, 404 not found, 409 conflict, 500 internal, 501 not
 * implemented, 503 unavailable). Stateless and thread-safe.
 */
final class DockerReply {
    private DockerReply() {
    }

    /** Answers {@code body} (a {@link JsonObject} or {@link JsonArray}) with {@code status}. */
    static void json(HttpServerResponse response, int status, Object body) {
        String text = body instanceof JsonObject o ? o.encode() : ((JsonArray) body).encode();
        if (response.ended() || response.headWritten()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(text + "\n");
    }

    /** Answers {@code {"message": message}} with {@code status}, unless the answer has already begun. */
    static void error(HttpServerResponse response, int status, String message) {
        if (response.ended() || response.headWritten()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("message", message).encode() + "\n");
    }

    /** Answers 204 with no body. */
    static void noContent(HttpServerResponse response) {
        if (!response.ended() && !response.headWritten()) {
            response.setStatusCode(204).end();
        }
    }

    /** Answers 501 naming the call: {@code Berth does not implement POST /build}. */
    static void notImplemented(DockerRequest request) {
        error(request.response(), 501, "Berth does not implement " + request.describe());
    }

    /** Answers a failure with the status its kind calls for ({@link #status(Throwable)}) and its message. */
    static void failure(HttpServerResponse response, Throwable failure) {
        error(response, status(failure), message(failure));
    }

    /**
     * The HTTP status for a failure: a {@link DockerException}'s own; an engine reply failed with a 4xx or
     * 5xx code (Berth's error kinds) keeps it; an engine that is not there or did not answer in time is 503;
     * a request Docker calls invalid (IllegalArgumentException) is 400; anything else is 500.
     */
    static int status(Throwable failure) {
        if (failure instanceof DockerException d) {
            return d.status();
        }
        if (failure instanceof ReplyException reply) {
            if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() >= 400
                    && reply.failureCode() < 600) {
                return reply.failureCode();
            }
            return reply.failureType() == ReplyFailure.RECIPIENT_FAILURE ? 500 : 503;
        }
        if (failure instanceof IllegalArgumentException) {
            return 400;
        }
        return 500;
    }

    /** The text of a failure for {@code {"message"}}: never empty. */
    static String message(Throwable failure) {
        String message = failure.getMessage();
        if (failure instanceof ReplyException reply && reply.failureType() != ReplyFailure.RECIPIENT_FAILURE) {
            return "the Berth engine did not answer: " + (message == null ? reply.failureType() : message);
        }
        return message == null || message.isBlank() ? failure.toString() : message;
    }
}
