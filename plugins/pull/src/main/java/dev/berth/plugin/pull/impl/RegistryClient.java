package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * Fetches manifests and blobs from OCI Distribution v2 registries over HTTP/1.1, with anonymous, Bearer-token
 * and Basic authentication, retries with exponential backoff and stall timeouts. Thread-safe: one client
 * serves concurrent fetches and shares tokens between them. HTTPS is used unless the registry is marked
 * insecure; credentials and tokens never appear in messages or {@code toString}.
 */
public final class RegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = String.join(", ", MediaTypes.MANIFEST_TYPES);
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 8192;
    private static final Digest SHA256_EXAMPLE = Digest.sha256("0".repeat(64));

    /**
     * Timeouts and retry policy of a client. Immutable.
     *
     * @param connectTimeout  how long a TCP/TLS connect may take
     * @param readTimeout     how long a response may go without sending a byte (headers or body)
     * @param attempts        tries per request, at least 1
     * @param initialBackoff  the wait before the second try; it doubles for each later try
     * @param maxBackoff      the longest wait between tries
     * @param maxRetryAfter   the longest {@code Retry-After} honoured
     */
    public record Options(Duration connectTimeout, Duration readTimeout, int attempts, Duration initialBackoff,
                          Duration maxBackoff, Duration maxRetryAfter) {
        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(readTimeout, "readTimeout");
            Objects.requireNonNull(initialBackoff, "initialBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
            }
        }

        /** 10 s connect, 30 s read, 4 tries waiting 200 ms, 400 ms, 800 ms (at most 1.6 s), Retry-After up to 10 s. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofSeconds(30), 4, Duration.ofMillis(200),
                    Duration.ofMillis(1600), Duration.ofSeconds(10));
        }
    }

    /**
     * A fetched manifest or index: its exact bytes, media type, digest and parsed JSON. Effectively immutable:
     * holders must not modify the array or the JSON tree.
     */
    public record ManifestBody(byte[] bytes, String mediaType, Digest digest, JsonNode json) {
        /** The descriptor of these bytes. */
        public Descriptor descriptor() {
            return new Descriptor(mediaType, digest, bytes.length);
        }
    }

    private record Challenge(String scheme, Map<String, String> params) {
    }

    private record Token(String value, Instant expires) {
        @Override
        public String toString() {
            return "Token[***, expires=" + expires + "]";
        }
    }

    /** A failure worth another try: a 5xx or 429 status, with the wait the registry asked for. */
    private static final class RetryableStatus extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Duration retryAfter;

        RetryableStatus(String message, Duration retryAfter) {
            super(message);
            this.retryAfter = retryAfter;
        }
    }

    /** A response whose body is read with a stall timeout. */
    private record Reply(int statusCode, java.net.http.HttpHeaders headers, TimedBody body) {
    }

    @FunctionalInterface
    private interface Attempt<T> {
        T run() throws IOException, BerthException, InterruptedException;
    }

    private final HttpClient http;
    private final Predicate<String> insecure;
    private final Credentials credentials;
    private final Options options;
    private final Map<String, Challenge> challenges = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    /**
     * Creates a client.
     *
     * @param insecure    which registries ({@code host:port}) are contacted over plain HTTP
     * @param credentials logins for registries that ask for them
     * @param options     timeouts and retry policy
     */
    public RegistryClient(Predicate<String> insecure, Credentials credentials, Options options) {
        this.insecure = Objects.requireNonNull(insecure, "insecure");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.options = Objects.requireNonNull(options, "options");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Fetches the manifest or index {@code reference} (a tag or digest) of {@code repository}, asking for all
     * four manifest media types. The body must be JSON of at most 4 MiB; when {@code expected} is given the
     * bytes must have that digest.
     *
     * @throws BerthException NOT_FOUND if the registry has no such manifest, INVALID for a hostile or
     *                        malformed answer, UNAVAILABLE when the registry cannot be reached after retries
     */
    /**
     * Checks that the registry accepts this client's credentials: {@code GET /v2/} through the same
     * challenge and token flow as a pull, without a repository scope.
     *
     * @throws BerthException INVALID "unauthorized" when the registry refuses the credentials
     */
    public void checkLogin(String registry) throws BerthException {
        String action = "log in to " + registry;
        URI uri = URI.create(baseUri(registry) + "/v2/");
        retrying(action, registry, () -> {
            Reply response = exchange(registry, null, uri, Map.of());
            try (TimedBody body = response.body()) {
                if (response.statusCode() != 200) {
                    throw statusError(action, response);
                }
                return null;
            }
        });
    }

    public ManifestBody fetchManifest(String registry, String repository, String reference, Digest expected)
            throws BerthException {
        String action = "fetch manifest " + reference;
        URI uri = URI.create(baseUri(registry) + "/v2/" + repository + "/manifests/" + reference);
        record Raw(byte[] bytes, String contentType, String headerDigest) {
        }
        Raw raw = retrying(action, registry, () -> {
            Reply response = exchange(registry, repository, uri, Map.of("Accept", ACCEPT));
            try (TimedBody body = response.body()) {
                if (response.statusCode() != 200) {
                    throw statusError(action, response);
                }
                long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (declared > ContentStore.MAX_MANIFEST_BYTES) {
                    throw new BerthException(ErrorKind.INVALID, action + ": " + declared + " bytes, larger than the "
                            + ContentStore.describeLimit(ContentStore.MAX_MANIFEST_BYTES) + " limit");
                }
                byte[] bytes = ContentStore.readCapped(body, ContentStore.MAX_MANIFEST_BYTES, action);
                return new Raw(bytes, response.headers().firstValue("Content-Type").orElse(""),
                        response.headers().firstValue("Docker-Content-Digest").orElse(null));
            }
        });
        JsonNode json;
        try {
            json = JSON.readTree(raw.bytes());
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new BerthException(ErrorKind.INVALID, action + ": the registry's answer is not a JSON object");
        }
        Digest actual = digestOf(expected != null ? expected : SHA256_EXAMPLE, raw.bytes());
        if (expected != null && !actual.equals(expected)) {
            throw new BerthException(ErrorKind.INVALID, action + ": digest mismatch: got " + actual);
        }
        if (expected == null && raw.headerDigest() != null) {
            Digest claimed;
            try {
                claimed = Digest.parse(raw.headerDigest().trim());
            } catch (IllegalArgumentException e) {
                claimed = null; // An unparseable header proves nothing; the content is named by its own digest.
            }
            if (claimed != null && !digestOf(claimed, raw.bytes()).equals(claimed)) {
                throw new BerthException(ErrorKind.INVALID, action + ": digest mismatch: registry says " + claimed
                        + ", got " + digestOf(claimed, raw.bytes()));
            }
        }
        JsonNode declaredType = json.get("mediaType");
        String mediaType = declaredType != null && declaredType.isTextual() ? declaredType.asText()
                : stripParameters(raw.contentType());
        if (!MediaTypes.isManifest(mediaType) && !MediaTypes.isIndex(mediaType)) {
            throw new BerthException(ErrorKind.INVALID, action + ": unsupported manifest media type \""
                    + abbreviate(mediaType) + "\"");
        }
        return new ManifestBody(raw.bytes(), mediaType, actual, json);
    }

    /**
     * Streams the blob {@code expected} of {@code repository} into {@code writer}, resuming with
     * {@code Range: bytes=N-} from what the writer already holds (also after a dropped connection). Bytes
     * beyond the descriptor's size are refused. The caller commits or aborts the writer.
     *
     * @param progress told the writer's size after each chunk
     * @return how many bytes came over the network
     * @throws BerthException INVALID when the registry sends other sizes than declared, NOT_FOUND for a missing
     *                        blob, UNAVAILABLE when the registry cannot be reached after retries
     */
    public long fetchBlob(String registry, String repository, Descriptor expected, ContentStore.Writer writer,
                          LongConsumer progress) throws BerthException {
        String action = "fetch blob " + expected.digest();
        URI uri = URI.create(baseUri(registry) + "/v2/" + repository + "/blobs/" + expected.digest());
        long[] transferred = {0};
        retrying(action, registry, () -> {
            long have = writer.size();
            if (have == expected.size() && have > 0) {
                return null;
            }
            Map<String, String> headers = have > 0 ? Map.of("Range", "bytes=" + have + "-") : Map.of();
            Reply response = exchange(registry, repository, uri, headers);
            try (TimedBody body = response.body()) {
                int status = response.statusCode();
                if (status == 206 && have > 0) {
                    long start = rangeStart(response.headers().firstValue("Content-Range").orElse(""));
                    if (start != have) {
                        writer.reset();
                        throw new RetryableStatus("registry answered Range " + have + "- with another range", null);
                    }
                } else if (status == 200) {
                    if (have > 0) {
                        writer.reset();
                    }
                } else if (status == 416 && have > 0) {
                    writer.reset();
                    throw new RetryableStatus("registry refused Range " + have + "-", null);
                } else {
                    throw statusError(action, response);
                }
                long remaining = expected.size() - writer.size();
                long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (declared >= 0 && declared != remaining) {
                    throw new BerthException(ErrorKind.INVALID, "blob " + expected.digest() + ": size mismatch: expected "
                            + expected.size() + " bytes, registry sends " + (writer.size() + declared));
                }
                byte[] buffer = new byte[65536];
                int n;
                while ((n = body.read(buffer)) >= 0) {
                    if (n == 0) {
                        continue;
                    }
                    writer.write(buffer, 0, n);
                    transferred[0] += n;
                    progress.accept(writer.size());
                }
            }
            return null;
        });
        return transferred[0];
    }

    /** One logical request: authentication (once per 401) and redirects, without retries. */
    private Reply exchange(String registry, String repository, URI uri, Map<String, String> headers)
            throws IOException, InterruptedException, BerthException {
        boolean authRetried = false;
        boolean sameOrigin = true;
        URI current = uri;
        int redirects = 0;
        while (true) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(current).timeout(options.readTimeout()).GET();
            headers.forEach(builder::header);
            if (sameOrigin) {
                String authorization = authorization(registry, repository, false);
                if (authorization != null) {
                    builder.header("Authorization", authorization);
                }
            }
            Reply response = send(builder.build());
            int status = response.statusCode();
            if (status == 401 && sameOrigin && !authRetried) {
                String header = response.headers().firstValue("WWW-Authenticate").orElse(null);
                if (header == null) {
                    return response;
                }
                response.body().close();
                authRetried = true;
                Challenge challenge = parseChallenge(header);
                challenges.put(registry, challenge);
                tokens.remove(tokenKey(registry, repository));
                authorization(registry, repository, true);
                continue;
            }
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                Optional<String> location = response.headers().firstValue("Location");
                response.body().close();
                if (location.isEmpty() || ++redirects > MAX_REDIRECTS) {
                    throw new BerthException(ErrorKind.INVALID, "request " + uri.getPath() + ": "
                            + (location.isEmpty() ? "redirect without Location" : "too many redirects"));
                }
                URI next = current.resolve(location.get().trim());
                if (!"https".equals(next.getScheme()) && !("http".equals(next.getScheme()) && insecure.test(registry))) {
                    throw new BerthException(ErrorKind.INVALID, "request " + uri.getPath() + ": redirect to a "
                            + next.getScheme() + " URL refused");
                }
                sameOrigin = sameOrigin && Objects.equals(next.getRawAuthority(), uri.getRawAuthority());
                current = next;
                continue;
            }
            return response;
        }
    }

    private Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<java.util.concurrent.Flow.Publisher<java.util.List<java.nio.ByteBuffer>>> response =
                http.send(request, HttpResponse.BodyHandlers.ofPublisher());
        TimedBody body = new TimedBody(options.readTimeout());
        response.body().subscribe(body);
        return new Reply(response.statusCode(), response.headers(), body);
    }

    /** The Authorization header for a request, fetching a token when the registry asked for one. */
    private String authorization(String registry, String repository, boolean fresh)
            throws IOException, InterruptedException, BerthException {
        Challenge challenge = challenges.get(registry);
        if (challenge == null) {
            return null;
        }
        if (challenge.scheme().equals("basic")) {
            return credentials.lookup(registry).map(Credentials.Login::basicHeader).orElseThrow(() ->
                    new BerthException(ErrorKind.INVALID, "registry " + registry
                            + " asks for a login and there is none for it (berth login " + registry + ")"));
        }
        if (!challenge.scheme().equals("bearer")) {
            throw new BerthException(ErrorKind.INVALID, "registry " + registry + " asks for unsupported authentication \""
                    + abbreviate(challenge.scheme()) + "\"");
        }
        String key = tokenKey(registry, repository);
        Token token = tokens.get(key);
        if (fresh || token == null || !Instant.now().isBefore(token.expires())) {
            token = fetchToken(registry, repository, challenge);
            tokens.put(key, token);
        }
        return "Bearer " + token.value();
    }

    private Token fetchToken(String registry, String repository, Challenge challenge)
            throws IOException, InterruptedException, BerthException {
        String realm = challenge.params().get("realm");
        URI realmUri;
        try {
            realmUri = realm == null ? null : URI.create(realm);
        } catch (IllegalArgumentException e) {
            realmUri = null;
        }
        if (realmUri == null || realmUri.getHost() == null
                || !("https".equals(realmUri.getScheme()) || "http".equals(realmUri.getScheme()))) {
            throw new BerthException(ErrorKind.INVALID, "registry " + registry + ": Bearer challenge without a usable realm");
        }
        if ("http".equals(realmUri.getScheme()) && !insecure.test(registry)) {
            throw new BerthException(ErrorKind.INVALID, "registry " + registry
                    + ": token realm is plain http and the registry is not marked insecure");
        }
        StringBuilder query = new StringBuilder();
        String service = challenge.params().get("service");
        if (service != null) {
            query.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8));
        }
        if (repository != null) {
            // No repository: a login check, which asks for a token without a scope, as docker login does.
            query.append(query.length() > 0 ? "&" : "").append("scope=")
                    .append(URLEncoder.encode("repository:" + repository + ":pull", StandardCharsets.UTF_8));
        }
        String base = realmUri.toString();
        URI tokenUri = URI.create(base + (realmUri.getRawQuery() == null ? "?" : "&") + query);
        HttpRequest.Builder builder = HttpRequest.newBuilder(tokenUri).timeout(options.readTimeout()).GET();
        credentials.lookup(registry).ifPresent(login -> builder.header("Authorization", login.basicHeader()));
        Reply response = send(builder.build());
        byte[] bytes;
        try (TimedBody body = response.body()) {
            int status = response.statusCode();
            if (status >= 500 || status == 429) {
                throw new RetryableStatus("token endpoint " + realmUri.getHost() + ": HTTP " + status,
                        retryAfter(response));
            }
            if (status != 200) {
                throw new BerthException(ErrorKind.INVALID, "registry " + registry + ": token endpoint refused access (HTTP "
                        + status + ")");
            }
            bytes = ContentStore.readCapped(body, 1 << 20, "token response");
        }
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (IOException e) {
            json = null;
        }
        JsonNode value = json == null ? null : json.get("token");
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            value = json == null ? null : json.get("access_token");
        }
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, "registry " + registry + ": token response has no token");
        }
        long expiresIn = json.path("expires_in").asLong(60);
        if (expiresIn <= 0) {
            expiresIn = 60;
        }
        return new Token(value.asText(), Instant.now().plusSeconds(expiresIn));
    }

    private static String tokenKey(String registry, String repository) {
        return registry + "|" + repository;
    }

    /** Parses {@code Scheme key="value", key2=value2}. */
    static Challenge parseChallenge(String header) {
        String text = header.trim();
        int space = text.indexOf(' ');
        String scheme = (space < 0 ? text : text.substring(0, space)).toLowerCase(Locale.ROOT);
        Map<String, String> params = new LinkedHashMap<>();
        int i = space < 0 ? text.length() : space + 1;
        while (i < text.length()) {
            while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == ',')) {
                i++;
            }
            int eq = text.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = text.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < text.length() && text.charAt(i) == '"') {
                i++;
                while (i < text.length() && text.charAt(i) != '"') {
                    if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                        i++;
                    }
                    value.append(text.charAt(i++));
                }
                i++;
            } else {
                while (i < text.length() && text.charAt(i) != ',') {
                    value.append(text.charAt(i++));
                }
            }
            params.put(key, value.toString().trim());
        }
        return new Challenge(scheme, params);
    }

    private <T> T retrying(String action, String registry, Attempt<T> attempt) throws BerthException {
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

    /** Maps a non-success status to an exception: 5xx and 429 as retryable IOExceptions, the rest as errors. */
    private Exception statusErrorOf(String action, Reply response) throws InterruptedException {
        int status = response.statusCode();
        String detail = errorDetail(response.body());
        if (status >= 500 || status == 429) {
            return new RetryableStatus("registry answered HTTP " + status + detail, retryAfter(response));
        }
        ErrorKind kind = status == 404 ? ErrorKind.NOT_FOUND : ErrorKind.INVALID;
        String what = switch (status) {
            case 404 -> "not found";
            case 401 -> "unauthorized";
            case 403 -> "access denied";
            default -> "unexpected HTTP status " + status;
        };
        return new BerthException(kind, action + ": " + what + detail);
    }

    private IOException statusError(String action, Reply response)
            throws BerthException, InterruptedException {
        Exception e = statusErrorOf(action, response);
        if (e instanceof BerthException b) {
            throw b;
        }
        return (IOException) e;
    }

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

    private Duration retryAfter(Reply response) {
        Optional<String> header = response.headers().firstValue("Retry-After");
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

    private static long rangeStart(String contentRange) {
        String value = contentRange.trim();
        if (!value.startsWith("bytes ")) {
            return -1;
        }
        int dash = value.indexOf('-');
        try {
            return dash < 0 ? -1 : Long.parseLong(value.substring(6, dash).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private String baseUri(String registry) {
        String host = registry.equals("docker.io") ? "registry-1.docker.io" : registry;
        return (insecure.test(registry) ? "http://" : "https://") + host;
    }

    private static String stripParameters(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** The digest of {@code bytes} in the algorithm of {@code like}. */
    private static Digest digestOf(Digest like, byte[] bytes) {
        return new Digest(like.algorithm(), HexFormat.of().formatHex(ContentStore.hasher(like).digest(bytes)));
    }

    @Override
    public String toString() {
        return "RegistryClient[" + options + "]";
    }
}
