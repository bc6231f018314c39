package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Fetches manifests and blobs from OCI Distribution v2 registries over a {@link RegistryTransport} (HTTP/1.1,
 * anonymous, Bearer-token and Basic authentication with pull scope, retries with exponential backoff),
 * reading bodies with stall timeouts. Thread-safe: one client serves concurrent fetches and shares tokens
 * between them. HTTPS is used unless the registry is marked insecure; credentials and tokens never appear
 * in messages or {@code toString}.
 */
public final class RegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = String.join(", ", MediaTypes.MANIFEST_TYPES);
    /** Any SHA-256 digest: the algorithm to compute a digest in, where nothing names one. */
    static final Digest SHA256_EXAMPLE = Digest.sha256("0".repeat(64));

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
        /**
         * Framework property: how long (milliseconds) a registry response may go without sending a byte before
         * the try counts as failed and is retried; unset or blank means 30 s.
         */
        public static final String READ_TIMEOUT_PROPERTY = "berth.registry.read.timeout.ms";

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

        /**
         * The {@link #defaults()} with the read timeout of the framework property
         * {@value #READ_TIMEOUT_PROPERTY} (milliseconds) when it is set.
         *
         * @param property a framework property by name ({@code BundleContext::getProperty}); null when unset
         * @throws BerthException INVALID when the property is set but not a positive number of milliseconds
         */
        public static Options fromProperties(UnaryOperator<String> property) throws BerthException {
            Options d = defaults();
            String value = property.apply(READ_TIMEOUT_PROPERTY);
            if (value == null || value.isBlank()) {
                return d;
            }
            long millis;
            try {
                millis = Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                millis = 0;
            }
            if (millis < 1) {
                throw new BerthException(ErrorKind.INVALID, READ_TIMEOUT_PROPERTY
                        + " must be a positive number of milliseconds, got \"" + value + "\"");
            }
            return new Options(d.connectTimeout(), Duration.ofMillis(millis), d.attempts(), d.initialBackoff(),
                    d.maxBackoff(), d.maxRetryAfter());
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

    private final RegistryTransport transport;

    /**
     * Creates a client.
     *
     * @param insecure    which registries ({@code host:port}) are contacted over plain HTTP
     * @param credentials logins for registries that ask for them
     * @param options     timeouts and retry policy
     */
    public RegistryClient(Predicate<String> insecure, Credentials credentials, Options options) {
        this.transport = new RegistryTransport(insecure, credentials, options);
    }

    /**
     * Checks that the registry accepts this client's credentials: {@code GET /v2/} through the same
     * challenge and token flow as a pull, without a repository scope.
     *
     * @throws BerthException INVALID "unauthorized" when the registry refuses the credentials
     */
    public void checkLogin(String registry) throws BerthException {
        String action = "log in to " + registry;
        URI uri = transport.uri(registry, "/v2/");
        transport.retrying(action, registry, () -> {
            RegistryTransport.Reply response = transport.exchange(registry, Scope.NONE,
                    RegistryTransport.Call.of("GET", uri, Map.of()));
            try (response) {
                if (response.statusCode() != 200) {
                    throw transport.failure(action, response, RegistryTransport.Refusals.READ);
                }
                return null;
            }
        });
    }

    /**
     * Fetches the manifest or index {@code reference} (a tag or digest) of {@code repository}, asking for all
     * four manifest media types. The body must be JSON of at most 4 MiB; when {@code expected} is given the
     * bytes must have that digest.
     *
     * @throws BerthException NOT_FOUND if the registry has no such manifest, INVALID for a hostile or
     *                        malformed answer, UNAVAILABLE when the registry cannot be reached after retries
     */
    public ManifestBody fetchManifest(String registry, String repository, String reference, Digest expected)
            throws BerthException {
        String action = "fetch manifest " + reference;
        URI uri = transport.uri(registry, "/v2/" + repository + "/manifests/" + reference);
        record Raw(byte[] bytes, String contentType, String headerDigest) {
        }
        Raw raw = transport.retrying(action, registry, () -> {
            RegistryTransport.Reply response = transport.exchange(registry, Scope.pull(repository),
                    RegistryTransport.Call.of("GET", uri, Map.of("Accept", ACCEPT)));
            try (TimedBody body = response.body()) {
                if (response.statusCode() != 200) {
                    throw transport.failure(action, response, RegistryTransport.Refusals.READ);
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
        Digest actual = ContentStore.digestOf(expected != null ? expected : SHA256_EXAMPLE, raw.bytes());
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
            if (claimed != null && !ContentStore.digestOf(claimed, raw.bytes()).equals(claimed)) {
                throw new BerthException(ErrorKind.INVALID, action + ": digest mismatch: registry says " + claimed
                        + ", got " + ContentStore.digestOf(claimed, raw.bytes()));
            }
        }
        JsonNode declaredType = json.get("mediaType");
        String mediaType = declaredType != null && declaredType.isTextual() ? declaredType.asText()
                : stripParameters(raw.contentType());
        if (!MediaTypes.isManifest(mediaType) && !MediaTypes.isIndex(mediaType)) {
            throw new BerthException(ErrorKind.INVALID, action + ": unsupported manifest media type \""
                    + RegistryTransport.abbreviate(mediaType) + "\"");
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
        URI uri = transport.uri(registry, "/v2/" + repository + "/blobs/" + expected.digest());
        long[] transferred = {0};
        transport.retrying(action, registry, () -> {
            long have = writer.size();
            if (have == expected.size() && have > 0) {
                return null;
            }
            Map<String, String> headers = have > 0 ? Map.of("Range", "bytes=" + have + "-") : Map.of();
            RegistryTransport.Reply response = transport.exchange(registry, Scope.pull(repository),
                    RegistryTransport.Call.of("GET", uri, headers));
            try (TimedBody body = response.body()) {
                int status = response.statusCode();
                if (status == 206 && have > 0) {
                    long start = rangeStart(response.headers().firstValue("Content-Range").orElse(""));
                    if (start != have) {
                        writer.reset();
                        throw new RegistryTransport.RetryableStatus("registry answered Range " + have + "- with another range", null);
                    }
                } else if (status == 200) {
                    if (have > 0) {
                        writer.reset();
                    }
                } else if (status == 416 && have > 0) {
                    writer.reset();
                    throw new RegistryTransport.RetryableStatus("registry refused Range " + have + "-", null);
                } else {
                    throw transport.failure(action, response, RegistryTransport.Refusals.READ);
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

    private static String stripParameters(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    }

    @Override
    public String toString() {
        return "RegistryClient[" + transport.options() + "]";
    }
}
