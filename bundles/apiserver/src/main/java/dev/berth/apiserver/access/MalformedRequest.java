package dev.berth.apiserver.access;

import io.vertx.core.http.HttpServerRequest;

/**
 * What a request the HTTP decoder could not read gets, the same on both API sockets: 414 for a request
 * line over the limit, 431 for headers over theirs, else 400 (a bad Content-Length, a malformed request
 * line), and the decoder's reason in words. Each front end writes it in its own error format and closes the
 * connection; Vert.x alone answers these without a body, or hangs up without an answer. Stateless.
 */
public record MalformedRequest(int status, String reason) {

    /** The answer for {@code request}, whose {@code decoderResult()} failed. */
    public static MalformedRequest of(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        String detail = cause == null || cause.getMessage() == null ? "unreadable request"
                : cause.getMessage().lines().findFirst().orElse("unreadable request");
        int status = detail.startsWith("An HTTP line is larger than") ? 414
                : detail.startsWith("HTTP header is larger than") ? 431 : 400;
        return new MalformedRequest(status, "malformed HTTP request: " + detail);
    }
}
