package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * How Berth talks to OCI Distribution registries, for pull and push alike: HTTP/1.1 with HTTPS unless the
 * registry is marked insecure, authentication through {@link RegistryAuth} (once per 401), redirects,
 * retries with exponential backoff and {@code Retry-After}, and errors that name the action and keep the
 * registry's own message. Thread-safe: one transport serves concurrent requests and shares tokens between
 * them; credentials and tokens never appear in messages or {@code toString}.
 */
final class RegistryTransport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 8192;

    /** A response whose body is read with a stall timeout; closing it closes the body. */
    record Reply(int statusCode, HttpHeaders headers, TimedBody body) implements AutoCloseable {
        /** The first value of header {@code name}, if any. */
        Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        @Override
        public void close() {
            body.close();
        }
    }

    /**
     * One request: method, URI, headers and body. A replayable body can be sent again after an
     * authentication challenge or a redirect; a one-shot body (a streamed blob) cannot, so such a call
     * answered by 401 fails with a {@link RetryableStatus} and the caller's attempt starts over.
     *
     * @param body    makes the request body; null for none
     * @param timeout how long the whole exchange may take until the response head, or null for the read timeout
     */
    record Call(String method, URI uri, Map<String, String> headers, Supplier<HttpRequest.BodyPublisher> body,
                boolean replayable, Duration timeout) {
        Call {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(uri, "uri");
            headers = Map.copyOf(headers);
        }

        static Call of(String method, URI uri, Map<String, String> headers) {
            return new Call(method, uri, headers, null, true, null);
        }

        static Call bytes(String method, URI uri, Map<String, String> headers, byte[] body) {
            return new Call(method, uri, headers, () -> HttpRequest.BodyPublishers.ofByteArray(body), true, null);
        }

        static Call oneShot(String method, URI uri, Map<String, String> headers, HttpRequest.BodyPublisher body,
                            Duration timeout) {
            return new Call(method, uri, headers, () -> body, false, timeout);
        }
    }

    /**
     * How an action words the refusals of a registry.
     *
     * @param unauthorized for 401 after authenticating
     * @param forbidden    for 403
     * @param notFound     for 404
     */
    record Refusals(String unauthorized, String forbidden, String notFound) {
        /** The words of reads: "unauthorized", "access denied", "not found". */
        static final Refusals READ = new Refusals("unauthorized", "access denied", "not found");
    }

    /** A failure worth another try: a 5xx or 429 status, with the wait the registry asked for. */
    static final class RetryableStatus extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Duration retryAfter;

        RetryableStatus(String message, Duration retryAfter) {
            super(message);
            this.retryAfter = retryAfter;
        }
    }

    /** One try of a request, repeated by {@link #retrying} while it fails with an {@link IOException}. */
    @FunctionalInterface
    interface Attempt<T> {
        T run() throws IOException, BerthException, InterruptedException;
    }

    /** For https: URIs, made at the first one (its TLS set-up reads the JDK's CA certificates: 0.1 s). */
    private HttpClient tls;
    /** For plain http: URIs (registries marked insecure), made at the first one; it never sets up TLS. */
    private HttpClient plain;
    private final Predicate<String> insecure;
    private final RegistryClient.Options options;
    private final RegistryAuth auth;

    /**
     * Creates a transport.
     *
     * @param insecure    which registries ({@code host:port}) are contacted over plain HTTP
     * @param credentials logins for registries that ask for them
     * @param options     timeouts and retry policy
     */
    RegistryTransport(Predicate<String> insecure, Credentials credentials, RegistryClient.Options options) {
        this.insecure = Objects.requireNonNull(insecure, "insecure");
        this.options = Objects.requireNonNull(options, "options");
        this.auth = new RegistryAuth(this, credentials);
    }

    /**
     * The HTTP client for {@code uri}'s scheme. The JDK's client sets up the default TLS context when it is
     * built, unless given one: for plain HTTP it gets one that refuses every use ({@link PlainHttpOnly}), so
     * a pull from an insecure registry (the local ones) loads no CA certificates and no TLS provider.
     */
    private synchronized HttpClient client(URI uri) {
        if ("https".equalsIgnoreCase(uri.getScheme())) {
            if (tls == null) {
                tls = builder().build();
            }
            return tls;
        }
        if (plain == null) {
            plain = builder().sslContext(PlainHttpOnly.context()).sslParameters(new SSLParameters()).build();
        }
        return plain;
    }

    private HttpClient.Builder builder() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER);
    }

    RegistryClient.Options options() {
        return options;
    }

    boolean isInsecure(String registry) {
        return insecure.test(registry);
    }

    /** Whether there is a login for {@code registry}. */
    boolean hasLogin(String registry) {
        return auth.hasLogin(registry);
    }

    /** {@code https://host} (or {@code http://} for an insecure registry) followed by {@code path}. */
    URI uri(String registry, String path) {
        return URI.create(baseUri(registry) + path);
    }

    /**
     * Resolves a {@code Location} header against the URI that answered it, keeping its query, and refuses
     * plain HTTP for a registry not marked insecure.
     */
    URI location(String registry, URI base, Optional<String> header, String action) throws BerthException {
        if (header.isEmpty() || header.get().isBlank()) {
            throw new BerthException(ErrorKind.INVALID, action + ": the registry's answer has no Location");
        }
        URI next;
        try {
            next = base.resolve(header.get().trim());
        } catch (IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INVALID, action + ": unusable Location \"" + abbreviate(header.get()) + "\"");
        }
        if (!"https".equals(next.getScheme()) && !("http".equals(next.getScheme()) && insecure.test(registry))) {
            throw new BerthException(ErrorKind.INVALID, action + ": Location with a " + next.getScheme()
                    + " URL refused");
        }
        return next;
    }

    /**
     * One logical request: authentication for {@code scope} (once per 401) and redirects, without retries.
     * The Authorization header goes only to the registry's own origin.
     */
    Reply exchange(String registry, Scope scope, Call call) throws IOException, InterruptedException, BerthException {
        boolean authRetried = false;
        URI origin = URI.create(baseUri(registry));
        boolean sameOrigin = Objects.equals(call.uri().getRawAuthority(), origin.getRawAuthority());
        URI current = call.uri();
        int redirects = 0;
        while (true) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(current)
                    .timeout(call.timeout() != null ? call.timeout() : options.readTimeout())
                    .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody() : call.body().get());
            call.headers().forEach(builder::header);
            if (sameOrigin) {
                String authorization = auth.authorization(registry, scope, false);
                if (authorization != null) {
                    builder.header("Authorization", authorization);
                }
            }
            Reply response = send(builder.build());
            int status = response.statusCode();
            if (status == 401 && sameOrigin && !authRetried) {
                String header = response.header("WWW-Authenticate").orElse(null);
                if (header == null) {
                    return response;
                }
                response.body().close();
                authRetried = true;
                auth.challenged(registry, scope, header);
                if (!call.replayable()) {
                    throw new RetryableStatus(call.method() + " " + call.uri().getPath()
                            + ": the registry asked to authenticate (again)", null);
                }
                continue;
            }
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                Optional<String> location = response.header("Location");
                response.body().close();
                if (location.isEmpty() || ++redirects > MAX_REDIRECTS || !call.replayable()) {
                    throw new BerthException(ErrorKind.INVALID, "request " + call.uri().getPath() + ": "
                            + (location.isEmpty() ? "redirect without Location"
                            : !call.replayable() ? "redirect of a streamed upload refused" : "too many redirects"));
                }
                URI next = current.resolve(location.get().trim());
                if (!"https".equals(next.getScheme()) && !("http".equals(next.getScheme()) && insecure.test(registry))) {
                    throw new BerthException(ErrorKind.INVALID, "request " + call.uri().getPath() + ": redirect to a "
                            + next.getScheme() + " URL refused");
                }
                sameOrigin = sameOrigin && Objects.equals(next.getRawAuthority(), call.uri().getRawAuthority());
                current = next;
                continue;
            }
            return response;
        }
    }

    /** Sends one HTTP request as it is; its body is read with the stall timeout. */
    Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response =
                client(request.uri()).send(request, HttpResponse.BodyHandlers.ofPublisher());
        TimedBody body = new TimedBody(options.readTimeout());
        response.body().subscribe(body);
        return new Reply(response.statusCode(), response.headers(), body);
    }

    /**
     * Runs {@code attempt} until it succeeds, fails with a {@link BerthException}, or the tries are used up;
     * I/O failures and retryable statuses are tried again after a backoff.
     *
     * @throws BerthException UNAVAILABLE naming {@code action} and the last failure when no try succeeded
     */
    <T> T retrying(String action, String registry, Attempt<T> attempt) throws BerthException {
        Duration backoff = options.initialBackoff();
        IOException last = null;
        for (int i = 1; i <= options.attempts(); i++) {
            try {
                return attempt.run();
            } catch (InterruptedException | InterruptedIOException e) {
                if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                    Thread.currentThread().interrupt();
                    throw new BerthException(ErrorKind.UNAVAILABLE, action + ": interrupted", e);
                }
                last = (IOException) e;
            } catch (SSLException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, action + ": TLS connection to " + registry + " failed ("
                        + e.getMessage() + "); if the registry speaks plain HTTP, mark it insecure", e);
            } catch (IOException e) {
                last = e;
            }
            if (i == options.attempts()) {
                break;
            }
            Duration wait = backoff;
            if (last instanceof RetryableStatus status && status.retryAfter != null) {
                wait = status.retryAfter.compareTo(options.maxRetryAfter()) > 0 ? options.maxRetryAfter() : status.retryAfter;
            }
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BerthException(ErrorKind.UNAVAILABLE, action + ": interrupted", e);
            }
            backoff = backoff.multipliedBy(2);
            if (backoff.compareTo(options.maxBackoff()) > 0) {
                backoff = options.maxBackoff();
            }
        }
        String why = last instanceof RetryableStatus ? last.getMessage() : describe(last);
        throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + why + " (gave up after "
                + options.attempts() + " attempts)", last);
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        if (e instanceof java.net.ConnectException) {
            return "connection refused" + (message == null ? "" : " (" + message + ")");
        }
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /**
     * Maps a non-success answer to its failure, closing the body: 5xx and 429 are returned as a retryable
     * {@link IOException} for the caller to throw; other statuses are thrown as a {@link BerthException}
     * (NOT_FOUND for 404, INVALID otherwise) worded by {@code refusals}, with the registry's own error message.
     */
    IOException failure(String action, Reply response, Refusals refusals) throws BerthException {
        int status = response.statusCode();
        String detail;
        try (TimedBody body = response.body()) {
            detail = errorDetail(body);
        }
        if (status >= 500 || status == 429) {
            return new RetryableStatus("registry answered HTTP " + status + detail, retryAfter(response));
        }
        ErrorKind kind = status == 404 ? ErrorKind.NOT_FOUND : ErrorKind.INVALID;
        String what = switch (status) {
            case 404 -> refusals.notFound();
            case 401 -> refusals.unauthorized();
            case 403 -> refusals.forbidden();
            default -> "unexpected HTTP status " + status;
        };
        throw new BerthException(kind, action + ": " + what + detail);
    }

    /** The first error of a registry's JSON error body as {@code " (CODE: message)"}, or "" when there is none. */
    private static String errorDetail(TimedBody body) {
        try {
            byte[] bytes = body.readNBytes(MAX_ERROR_BODY);
            JsonNode error = JSON.readTree(bytes).path("errors").path(0);
            String code = error.path("code").asText("");
            String message = error.path("message").asText("");
            if (code.isEmpty() && message.isEmpty()) {
                return "";
            }
            return " (" + abbreviate(code + (message.isEmpty() ? "" : ": " + message)) + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The wait a {@code Retry-After} header asks for (seconds or an HTTP date), or null. */
    static Duration retryAfter(Reply response) {
        Optional<String> header = response.header("Retry-After");
        if (header.isEmpty()) {
            return null;
        }
        String value = header.get().trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(Instant.now(),
                        ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException ignored) {
                return null;
            }
        }
    }

    private String baseUri(String registry) {
        String host = registry.equals("docker.io") ? "registry-1.docker.io" : registry;
        return (insecure.test(registry) ? "http://" : "https://") + host;
    }

    static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public String toString() {
        return "RegistryTransport[" + options + "]";
    }
}
