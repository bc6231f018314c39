package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.stage.PushRequest;
import dev.berth.api.stage.PushedImage;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pushes a stored image to a registry, the other half of {@link Puller}: reads the image manifest from the
 * {@link ContentStore}, makes its config and layers present in the target repository a few at a time (left
 * alone when there, mounted from a source repository of the same registry, or uploaded, through
 * {@link UploadClient}), and puts the manifest last, so a push that fails never leaves a tag on a half-pushed
 * image. Only single-platform images (OCI image manifest, Docker schema 2) are pushed. Thread-safe:
 * concurrent pushes share the client and the store.
 */
public final class Pusher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final UploadClient uploads;
    private final ContentStore store;
    private final int concurrency;

    /**
     * Creates a pusher.
     *
     * @param concurrency how many blobs are pushed at once, at least 1
     */
    public Pusher(UploadClient uploads, ContentStore store, int concurrency) {
        this.uploads = Objects.requireNonNull(uploads, "uploads");
        this.store = Objects.requireNonNull(store, "store");
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        this.concurrency = concurrency;
    }

    /**
     * Pushes the stored image {@code request.manifestDigest()} to {@code request.target()}.
     *
     * @throws BerthException naming the target: NOT_FOUND when the manifest or a blob is not stored or the
     *                        registry does not know the name, INVALID for an index, a corrupt stored blob or a
     *                        refusal, UNAVAILABLE when the registry cannot be reached
     */
    public PushedImage push(PushRequest request, PushListener listener) throws BerthException {
        Objects.requireNonNull(request, "request");
        try {
            return doPush(request, listener == null ? PushListener.NONE : listener);
        } catch (BerthException e) {
            throw new BerthException(e.kind(), "push " + request.target() + ": " + e.getMessage(), e);
        }
    }

    private PushedImage doPush(PushRequest request, PushListener listener) throws BerthException {
        ImageReference target = request.target();
        Digest digest = request.manifestDigest();
        if (target.digest() != null && !target.digest().equals(digest)) {
            throw new BerthException(ErrorKind.INVALID, "the reference names digest " + target.digest()
                    + " but the image is " + digest);
        }
        byte[] bytes = readManifest(digest);
        ImageManifest manifest = parse(digest, bytes);
        List<Descriptor> blobs = manifest.blobs();
        for (Descriptor blob : blobs) {
            if (!store.has(blob.digest())) {
                throw new BerthException(ErrorKind.NOT_FOUND, "blob " + blob.digest() + " of manifest " + digest
                        + ": not in the content store");
            }
        }
        ImageReference mountFrom = mountSource(target, request.sources());
        uploads.checkAccess(target);
        Map<UploadClient.How, AtomicLong> counts = new ConcurrentHashMap<>();
        AtomicLong sent = new AtomicLong();
        BoundedParallel.run(blobs, concurrency, "berth-push-blob", "push blobs", blob -> {
            listener.blobStarted(blob);
            long start = System.nanoTime();
            UploadClient.BlobResult result = uploads.pushBlob(target, blob, mountFrom, store,
                    bytesRead -> listener.blobProgress(blob, bytesRead, blob.size()));
            counts.computeIfAbsent(result.how(), h -> new AtomicLong()).incrementAndGet();
            sent.addAndGet(result.bytesSent());
            listener.blobPushed(target, blob, result, (System.nanoTime() - start) / 1_000_000);
        });
        String reference = target.tag() != null ? target.tag() : digest.toString();
        uploads.putManifest(target, reference, manifest.mediaType(), bytes, digest);
        return new PushedImage(target, digest, count(counts, UploadClient.How.UPLOADED),
                count(counts, UploadClient.How.EXISTS), count(counts, UploadClient.How.MOUNTED),
                sent.get() + bytes.length);
    }

    private byte[] readManifest(Digest digest) throws BerthException {
        if (!store.has(digest)) {
            throw new BerthException(ErrorKind.NOT_FOUND, "manifest " + digest + ": not in the content store");
        }
        byte[] bytes = store.readSmall(digest);
        Digest actual = ContentStore.digestOf(digest, bytes);
        if (!actual.equals(digest)) {
            throw new BerthException(ErrorKind.INVALID, "stored manifest " + digest
                    + " does not match its digest: its content is " + actual);
        }
        return bytes;
    }

    /** Parses the stored manifest; an index or manifest list is refused, as push sends one platform. */
    private static ImageManifest parse(Digest digest, byte[] bytes) throws BerthException {
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new BerthException(ErrorKind.INVALID, "manifest " + digest + ": not a JSON object");
        }
        JsonNode declared = json.get("mediaType");
        String mediaType = declared != null && declared.isTextual() ? declared.asText()
                : json.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        if (MediaTypes.isIndex(mediaType)) {
            throw new BerthException(ErrorKind.INVALID, "manifest " + digest + " is an index (" + mediaType
                    + "): only single-platform images are pushed; push the manifest of one platform");
        }
        if (!MediaTypes.isManifest(mediaType)) {
            throw new BerthException(ErrorKind.INVALID, "manifest " + digest + ": unsupported media type \""
                    + RegistryTransport.abbreviate(mediaType) + "\"");
        }
        return ImageManifest.parse(digest, mediaType, json);
    }

    /** The first source in another repository of the target's registry, whose blobs a mount may borrow. */
    private static ImageReference mountSource(ImageReference target, List<ImageReference> sources) {
        return sources.stream()
                .filter(s -> s.registry().equals(target.registry()) && !s.repository().equals(target.repository()))
                .findFirst().orElse(null);
    }

    private static int count(Map<UploadClient.How, AtomicLong> counts, UploadClient.How how) {
        AtomicLong n = counts.get(how);
        return n == null ? 0 : (int) n.get();
    }
}
