package dev.berth.plugin.pull.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * Writes blobs and manifests to OCI Distribution v2 registries over a {@link RegistryTransport}, asking for
 * push scope ({@code repository:NAME:pull,push}): a blob the repository has is left alone, one another
 * repository of the registry has is mounted across, the rest is uploaded from the content store in one
 * {@code PUT} or, above the chunk size, in {@code PATCH} chunks closed by an empty {@code PUT}. Every byte
 * is checked against the blob's digest before the request that completes it. Thread-safe: one client serves
 * concurrent uploads and shares tokens between them; credentials never appear in messages.
 */
public final class UploadClient {
    /** Blobs up to this size go in one {@code PUT}; larger ones in chunks of this size: 16 MiB. */
    public static final long DEFAULT_CHUNK_BYTES = 16L << 20;

    private static final String OCTET_STREAM = "application/octet-stream";
    /** The slowest upload a request's timeout allows for, in bytes per millisecond (64 kB/s). */
    private static final long MIN_BYTES_PER_MILLI = 64;

    /** How a blob came to be in the repository; {@link #label()} is the {@code how} of {@code blob.pushed}. */
    public enum How {
        UPLOADED("uploaded"), EXISTS("exists"), MOUNTED("mounted");

        private final String label;

        How(String label) {
            this.label = label;
        }

        /** The lowercase word events use. */
        public String label() {
            return label;
        }
    }

    /**
     * One blob's push. Immutable.
     *
     * @param how       how it came to be there
     * @param from      the repository path it was mounted from (same registry), or null unless mounted
     * @param bytesSent the blob bytes sent by the attempt that succeeded
     */
    public record BlobResult(How how, String from, long bytesSent) {
        public BlobResult {
            Objects.requireNonNull(how, "how");
        }
    }

    private final RegistryTransport transport;
    private final long chunkBytes;

    /**
     * Creates a client.
     *
     * @param insecure    which registries ({@code host:port}) are contacted over plain HTTP
     * @param credentials logins for registries that ask for them
     * @param options     timeouts and retry policy
     * @param chunkBytes  the largest blob sent in one request, and the chunk size of larger ones; at least 1
     */
    public UploadClient(Predicate<String> insecure, Credentials credentials, RegistryClient.Options options,
                        long chunkBytes) {
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("chunkBytes must be at least 1, got " + chunkBytes);
        }
        this.transport = new RegistryTransport(insecure, credentials, options);
        this.chunkBytes = chunkBytes;
    }

    /**
     * Checks that the registry of {@code target} answers {@code GET /v2/} with push access to its repository,
     * as docker does before a push: the one request that learns the registry's challenge and fetches the
     * token, so that the concurrent blob requests after it share that token.
     *
     * @throws BerthException INVALID when the registry refuses the credentials, UNAVAILABLE when it cannot
     *                        be reached after retries
     */
    public void checkAccess(ImageReference target) throws BerthException {
        String registry = target.registry();
        String action = "check access to " + target.name();
        URI uri = transport.uri(registry, "/v2/");
        transport.retrying(action, registry, () -> {
            RegistryTransport.Reply response = transport.exchange(registry, Scope.push(target.repository()),
                    RegistryTransport.Call.of("GET", uri, Map.of()));
            try (response) {
                if (response.statusCode() != 200) {
                    throw transport.failure(action, response, refusals(registry, "not found"));
                }
                return null;
            }
        });
    }

    /**
     * Makes {@code blob} present in the repository of {@code target}: {@code HEAD} it; if absent, mount it
     * from {@code mountFrom}'s repository when given, else (or when the registry declines the mount) upload
     * it from {@code store}. A failed try starts over from the {@code HEAD} with a new upload session.
     *
     * @param progress told the bytes read from the store while uploading
     * @throws BerthException INVALID when the stored blob does not match its digest or the registry refuses,
     *                        NOT_FOUND when the blob is not stored or the registry does not know the name,
     *                        UNAVAILABLE when the registry cannot be reached after retries
     */
    public BlobResult pushBlob(ImageReference target, Descriptor blob, ImageReference mountFrom, ContentStore store,
                               LongConsumer progress) throws BerthException {
        String registry = target.registry();
        String action = "push blob " + blob.digest();
        return transport.retrying(action, registry, () -> {
            if (exists(target, blob, action)) {
                return new BlobResult(How.EXISTS, null, 0);
            }
            URI location;
            if (mountFrom != null) {
                location = mount(target, blob, mountFrom, action + " (mount from " + mountFrom.name() + ")");
                if (location == null) {
                    return new BlobResult(How.MOUNTED, mountFrom.repository(), 0);
                }
            } else {
                location = startUpload(target, action);
            }
            upload(target, blob, location, store, progress, action);
            return new BlobResult(How.UPLOADED, null, blob.size());
        });
    }

    /**
     * Puts the manifest {@code bytes} under {@code reference} (a tag or digest) of {@code target}'s
     * repository, exactly as given, and checks the digest the registry answers with.
     *
     * @throws BerthException INVALID when the registry refuses it or stores another digest, NOT_FOUND for an
     *                        unknown name, UNAVAILABLE when the registry cannot be reached after retries
     */
    public void putManifest(ImageReference target, String reference, String mediaType, byte[] bytes, Digest digest)
            throws BerthException {
        String registry = target.registry();
        String action = "push manifest " + reference;
        URI uri = transport.uri(registry, "/v2/" + target.repository() + "/manifests/" + reference);
        transport.retrying(action, registry, () -> {
            RegistryTransport.Reply response = transport.exchange(registry, Scope.push(target.repository()),
                    RegistryTransport.Call.bytes("PUT", uri, Map.of("Content-Type", mediaType), bytes));
            try (response) {
                if (response.statusCode() != 201) {
                    throw transport.failure(action, response, refusals(registry, "name unknown"));
                }
                checkDigest(response, digest, action);
                return null;
            }
        });
    }

    private boolean exists(ImageReference target, Descriptor blob, String action)
            throws IOException, InterruptedException, BerthException {
        String registry = target.registry();
        URI uri = transport.uri(registry, "/v2/" + target.repository() + "/blobs/" + blob.digest());
        RegistryTransport.Reply response = transport.exchange(registry, Scope.push(target.repository()),
                RegistryTransport.Call.of("HEAD", uri, Map.of()));
        try (response) {
            return switch (response.statusCode()) {
                case 200 -> true;
                case 404 -> false;
                default -> throw transport.failure(action, response, refusals(registry, "name unknown"));
            };
        }
    }

    /** Asks for a cross-repository mount: null when mounted, else the upload session the registry opened instead. */
    private URI mount(ImageReference target, Descriptor blob, ImageReference from, String action)
            throws IOException, InterruptedException, BerthException {
        String registry = target.registry();
        URI uri = transport.uri(registry, "/v2/" + target.repository() + "/blobs/uploads/?mount="
                + encode(blob.digest().toString()) + "&from=" + encode(from.repository()));
        RegistryTransport.Reply response = transport.exchange(registry,
                Scope.push(target.repository()).and(Scope.pull(from.repository())),
                RegistryTransport.Call.of("POST", uri, Map.of()));
        try (response) {
            return switch (response.statusCode()) {
                case 201 -> null;
                case 202 -> transport.location(registry, uri, response.header("Location"), action);
                default -> throw transport.failure(action, response, refusals(registry, "name unknown"));
            };
        }
    }

    private URI startUpload(ImageReference target, String action)
            throws IOException, InterruptedException, BerthException {
        String registry = target.registry();
        URI uri = transport.uri(registry, "/v2/" + target.repository() + "/blobs/uploads/");
        RegistryTransport.Reply response = transport.exchange(registry, Scope.push(target.repository()),
                RegistryTransport.Call.of("POST", uri, Map.of()));
        try (response) {
            if (response.statusCode() != 202) {
                throw transport.failure(action, response, refusals(registry, "name unknown"));
            }
            return transport.location(registry, uri, response.header("Location"), action);
        }
    }

    /** Uploads the stored blob to the session at {@code location}; a stored blob found corrupt fails it for good. */
    private void upload(ImageReference target, Descriptor blob, URI location, ContentStore store, LongConsumer progress,
                        String action) throws IOException, InterruptedException, BerthException {
        try (VerifiedBlobStream in = new VerifiedBlobStream(store.open(blob.digest()), blob, progress)) {
            URI at = location;
            RegistryTransport.Reply done;
            if (blob.size() > chunkBytes) {
                for (long offset = 0; offset < blob.size(); offset += chunkBytes) {
                    at = sendChunk(target, in, at, offset, Math.min(chunkBytes, blob.size() - offset), action);
                }
                if (!in.verified()) {
                    throw new BerthException(ErrorKind.INTERNAL, action + ": the chunks did not cover the blob");
                }
                done = send(target, RegistryTransport.Call.of("PUT", withDigest(at, blob.digest()), Map.of()));
            } else {
                done = send(target, RegistryTransport.Call.oneShot("PUT", withDigest(at, blob.digest()),
                        Map.of("Content-Type", OCTET_STREAM), body(in, blob.size()), timeout(blob.size())));
            }
            try (done) {
                if (done.statusCode() != 201) {
                    throw transport.failure(action, done, refusals(target.registry(), "upload unknown"));
                }
                checkDigest(done, blob.digest(), action);
            }
        } catch (IOException e) {
            VerifiedBlobStream.Mismatch mismatch = VerifiedBlobStream.Mismatch.in(e);
            if (mismatch != null) {
                throw new BerthException(ErrorKind.INVALID, action + ": " + mismatch.getMessage(), e);
            }
            throw e;
        }
    }

    /** Sends {@code length} bytes from {@code offset} to {@code at} and answers the session's next location. */
    private URI sendChunk(ImageReference target, VerifiedBlobStream in, URI at, long offset, long length, String action)
            throws IOException, InterruptedException, BerthException {
        Map<String, String> headers = Map.of("Content-Type", OCTET_STREAM,
                "Content-Range", offset + "-" + (offset + length - 1));
        RegistryTransport.Reply response = send(target, RegistryTransport.Call.oneShot("PATCH", at, headers,
                HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> in.next(length)),
                        length), timeout(length)));
        try (response) {
            if (response.statusCode() != 202) {
                throw transport.failure(action, response, refusals(target.registry(), "upload unknown"));
            }
            return transport.location(target.registry(), at, response.header("Location"), action);
        }
    }

    private RegistryTransport.Reply send(ImageReference target, RegistryTransport.Call call)
            throws IOException, InterruptedException, BerthException {
        return transport.exchange(target.registry(), Scope.push(target.repository()), call);
    }

    /** The whole blob as a body of known length; an empty blob is verified here, as no read would do it. */
    private static HttpRequest.BodyPublisher body(VerifiedBlobStream in, long size) throws IOException {
        if (size == 0) {
            in.read();
            return HttpRequest.BodyPublishers.noBody();
        }
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> in), size);
    }

    private Duration timeout(long bytes) {
        return transport.options().readTimeout().plusMillis(bytes / MIN_BYTES_PER_MILLI);
    }

    private static URI withDigest(URI location, Digest digest) {
        return URI.create(location + (location.getRawQuery() == null ? "?" : "&") + "digest=" + encode(digest.toString()));
    }

    private static void checkDigest(RegistryTransport.Reply response, Digest expected, String action)
            throws BerthException {
        String header = response.header("Docker-Content-Digest").map(String::trim).orElse(null);
        if (header != null && !header.equals(expected.toString())) {
            throw new BerthException(ErrorKind.INVALID, action + ": the registry answered digest "
                    + RegistryTransport.abbreviate(header) + ", expected " + expected);
        }
    }

    /** How push words refusals: with a login, 401 means the login may not push; without one, that it is needed. */
    private RegistryTransport.Refusals refusals(String registry, String notFound) {
        String unauthorized = transport.hasLogin(registry) ? "push access denied"
                : "authentication required (berth login " + registry + ")";
        return new RegistryTransport.Refusals(unauthorized, "push access denied", notFound);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "UploadClient[" + transport.options() + ", chunk " + chunkBytes + " bytes]";
    }
}
