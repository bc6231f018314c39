package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.image.Platform;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pulls an image into a {@link ContentStore}: resolves the reference to an image manifest (picking a platform
 * from an index), then fetches config and layers a few at a time, skipping blobs already stored and
 * verifying every byte. Thread-safe: concurrent pulls share the client and the store; two pulls that need
 * the same missing blob at the same moment make one of them fail with CONFLICT.
 */
public final class Puller {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClient client;
    private final ContentStore store;
    private final int concurrency;

    /**
     * Creates a puller.
     *
     * @param concurrency how many blobs are fetched at once, at least 1
     */
    public Puller(RegistryClient client, ContentStore store, int concurrency) {
        this.client = Objects.requireNonNull(client, "client");
        this.store = Objects.requireNonNull(store, "store");
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        this.concurrency = concurrency;
    }

    /**
     * Parses {@code reference} and pulls it; a malformed reference fails before any request.
     *
     * @throws BerthException INVALID for a malformed reference, otherwise as {@link #pull(ImageReference, Platform, PullListener)}
     */
    public PullResult pull(String reference, Platform platform, PullListener listener) throws BerthException {
        ImageReference parsed;
        try {
            parsed = ImageReference.parse(reference);
        } catch (IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INVALID, "pull: " + e.getMessage(), e);
        }
        return pull(parsed, platform, listener);
    }

    /**
     * Pulls {@code reference} for {@code platform} (the host's when null).
     *
     * @throws BerthException naming the reference: NOT_FOUND for a missing image or platform, INVALID for hostile
     *                        or malformed content, UNAVAILABLE when the registry cannot be reached, CONFLICT when
     *                        another pull is writing a blob this one needs
     */
    public PullResult pull(ImageReference reference, Platform platform, PullListener listener) throws BerthException {
        Objects.requireNonNull(reference, "reference");
        Platform wanted = platform == null ? Platform.host() : platform;
        PullListener events = listener == null ? PullListener.NONE : listener;
        try {
            return doPull(reference, wanted, events);
        } catch (BerthException e) {
            throw new BerthException(e.kind(), "pull " + reference + ": " + e.getMessage(), e);
        }
    }

    private PullResult doPull(ImageReference reference, Platform wanted, PullListener listener) throws BerthException {
        String registry = reference.registry();
        String repository = reference.repository();
        RegistryClient.ManifestBody top = client.fetchManifest(registry, repository, reference.manifestReference(),
                reference.digest());
        RegistryClient.ManifestBody manifest = top;
        Platform entryPlatform = null;
        if (MediaTypes.isIndex(top.mediaType())) {
            Map.Entry<Descriptor, Platform> entry = pickPlatform(top, wanted);
            Descriptor chosen = entry.getKey();
            entryPlatform = entry.getValue();
            manifest = client.fetchManifest(registry, repository, chosen.digest().toString(), chosen.digest());
            if (manifest.bytes().length != chosen.size()) {
                throw new BerthException(ErrorKind.INVALID, "manifest " + chosen.digest() + ": size mismatch: index says "
                        + chosen.size() + " bytes, got " + manifest.bytes().length);
            }
            if (!MediaTypes.isManifest(manifest.mediaType())) {
                throw new BerthException(ErrorKind.INVALID, "manifest " + chosen.digest() + ": index entry is a "
                        + manifest.mediaType() + ", not an image manifest");
            }
            store.put(top.descriptor(), top.bytes());
        }
        ImageManifest image = ImageManifest.parse(manifest.digest(), manifest.mediaType(), manifest.json());
        Descriptor config = image.config();
        List<Descriptor> layers = image.layers();
        listener.manifestResolved(reference, manifest.digest(), manifest.mediaType(), entryPlatform);

        AtomicLong fetched = new AtomicLong();
        AtomicInteger fromCache = new AtomicInteger();
        // The config first, alone: its diff ids name the layers' snapshots, so with it the layers can be
        // expanded while they download. It is small, so this costs one round trip.
        List<Descriptor> blobs = image.blobs();
        fetchOne(registry, repository, blobs.get(0), listener, fetched, fromCache);
        Platform platform = configPlatform(config, layers.size());
        listener.configStored(reference, manifest.digest(), manifest.mediaType(), config, layers,
                entryPlatform != null ? entryPlatform : platform);
        BoundedParallel.run(blobs.subList(1, blobs.size()), concurrency, "berth-pull-blob", "fetch blobs",
                blob -> fetchOne(registry, repository, blob, listener, fetched, fromCache));
        store.put(manifest.descriptor(), manifest.bytes());

        return new PullResult(reference, manifest.digest(), manifest.mediaType(), config, layers,
                entryPlatform != null ? entryPlatform : platform, fetched.get(), fromCache.get());
    }

    private Map.Entry<Descriptor, Platform> pickPlatform(RegistryClient.ManifestBody index, Platform wanted)
            throws BerthException {
        JsonNode manifests = index.json().get("manifests");
        if (manifests == null || !manifests.isArray()) {
            throw new BerthException(ErrorKind.INVALID, "index " + index.digest() + ": no manifests array");
        }
        List<String> available = new ArrayList<>();
        for (int i = 0; i < manifests.size(); i++) {
            JsonNode entry = manifests.get(i);
            JsonNode p = entry.get("platform");
            if (p == null || !p.isObject()) {
                continue;
            }
            String os = p.path("os").asText("");
            String arch = p.path("architecture").asText("");
            String variant = p.path("variant").asText(null);
            if (os.isBlank() || arch.isBlank()) {
                continue;
            }
            Platform entryPlatform = new Platform(os, arch, variant);
            available.add(entryPlatform.toString());
            if (wanted.matches(os, arch, variant)) {
                return Map.entry(ImageManifest.descriptor(entry, "index entry " + i, index.digest()), entryPlatform);
            }
        }
        throw new BerthException(ErrorKind.NOT_FOUND, "no manifest for platform " + wanted + " in index "
                + index.digest() + "; available: " + (available.isEmpty() ? "none" : String.join(", ", available)));
    }

    private void fetchOne(String registry, String repository, Descriptor blob, PullListener listener,
                          AtomicLong fetched, AtomicInteger fromCache) throws BerthException {
        if (store.has(blob.digest())) {
            fromCache.incrementAndGet();
            listener.blobFetched(blob, true, 0, 0);
            return;
        }
        long start = System.nanoTime();
        try (ContentStore.Writer writer = store.writer(blob)) {
            if (store.has(blob.digest())) {
                // Another pull committed it while this one waited.
                fromCache.incrementAndGet();
                listener.blobFetched(blob, true, 0, 0);
                return;
            }
            listener.blobStarted(blob, writer.size());
            listener.blobWriting(blob, writer.file());
            try {
                long bytes = client.fetchBlob(registry, repository, blob, writer,
                        size -> listener.blobProgress(blob, size, blob.size()));
                fetched.addAndGet(bytes);
                writer.commit();
                listener.blobFetched(blob, false, bytes, (System.nanoTime() - start) / 1_000_000);
            } catch (BerthException e) {
                if (e.kind() == ErrorKind.INVALID) {
                    writer.abort();
                    listener.blobRejected(blob, e.getMessage());
                } else {
                    listener.blobFailed(blob, e.getMessage());
                }
                throw e;
            }
        }
    }

    private Platform configPlatform(Descriptor config, int layerCount) throws BerthException {
        JsonNode json;
        try {
            json = JSON.readTree(store.readSmall(config.digest()));
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new BerthException(ErrorKind.INVALID, "config " + config.digest() + ": not a JSON object");
        }
        JsonNode diffIds = json.path("rootfs").path("diff_ids");
        if (diffIds.isArray() && diffIds.size() != layerCount) {
            throw new BerthException(ErrorKind.INVALID, "config " + config.digest() + ": " + diffIds.size()
                    + " diff_ids for " + layerCount + " layers");
        }
        String os = json.path("os").asText("");
        String arch = json.path("architecture").asText("");
        if (os.isBlank() || arch.isBlank()) {
            throw new BerthException(ErrorKind.INVALID, "config " + config.digest() + ": no os or architecture");
        }
        return new Platform(os, arch, json.path("variant").asText(null));
    }

    @Override
    public String toString() {
        return "Puller[concurrency=" + concurrency + "]";
    }
}
