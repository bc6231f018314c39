package dev.berth.plugin.archive.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.image.Platform;
import dev.berth.api.stage.LoadedImage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a {@code docker save} archive or an OCI image-layout archive into a {@link BlobStore}: every regular
 * entry is hashed into the ingest area, the archive's manifests are checked against those entries, and only
 * the blobs some image references are committed. On failure nothing this load added stays in the store.
 * Thread-safe: each call works on its own state.
 */
final class ArchiveLoader {
    /** Receives each blob a load keeps, after it is under its final name. */
    interface Listener {
        /** {@code blob} is in the store; {@code added} is false if it was there already. */
        void stored(Descriptor blob, boolean added);

        /**
         * Called once every blob is stored, before the load succeeds; throwing undoes the load like any other
         * failure (the stage waits here for its events to be durable).
         */
        default void finished() throws BerthException {
        }
    }

    static final String REF_NAME = "org.opencontainers.image.ref.name";
    static final String CONTAINERD_NAME = "io.containerd.image.name";
    private static final int MAX_INDEX_DEPTH = 4;

    private final BlobStore store;
    private final ObjectMapper json = new ObjectMapper();
    private final ObjectMapper canonical = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    ArchiveLoader(BlobStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** One image found in the archive, before its blobs are committed. */
    private record Found(List<String> tags, Descriptor manifest, Platform platform, Descriptor config,
            List<Descriptor> layers, List<Digest> diffIds, byte[] synthesized) {
    }

    /** The state of one load: the staged entries and everything committed so far. */
    private final class Load {
        final String action;
        final Map<String, BlobStore.Staged> entries = new LinkedHashMap<>();
        final Map<String, String> symlinks = new LinkedHashMap<>();
        final List<BlobStore.Staged> staged = new ArrayList<>();
        final List<Digest> added = new ArrayList<>();

        Load(Path archive) {
            this.action = "load " + archive;
        }

        BerthException invalid(String entry, String why) {
            return new BerthException(ErrorKind.INVALID, action + ": " + entry + ": " + why);
        }

        BlobStore.Staged entry(String name, String referrer) throws BerthException {
            BlobStore.Staged found = entries.get(name);
            if (found == null) {
                throw invalid(name, "missing from the archive (referenced by " + referrer + ")");
            }
            return found;
        }

        byte[] small(String name, String referrer) throws BerthException {
            BlobStore.Staged found = entry(name, referrer);
            if (found.size() > BlobStore.MAX_SMALL_BYTES) {
                throw invalid(name, "larger than the " + (BlobStore.MAX_SMALL_BYTES >> 20) + " MiB limit for "
                        + "manifests, indexes and configs");
            }
            try {
                return Files.readAllBytes(found.partial());
            } catch (IOException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, action + ": read " + name + ": " + e, e);
            }
        }

        JsonNode parse(String name, byte[] bytes) throws BerthException {
            try {
                JsonNode node = json.readTree(bytes);
                if (node == null || node.isMissingNode()) {
                    throw invalid(name, "not JSON: empty");
                }
                return node;
            } catch (IOException e) {
                throw invalid(name, "not JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
    }

    /**
     * Loads {@code archive}, calling {@code listener} for every blob kept.
     *
     * @throws BerthException INVALID naming the entry and the rule it breaks, NOT_FOUND if the file is
     *         absent, UNAVAILABLE on I/O errors
     */
    List<LoadedImage> load(Path archive, Listener listener) throws BerthException {
        Load load = new Load(archive);
        boolean ok = false;
        try {
            readEntries(archive, load);
            List<Found> images;
            if (load.entries.containsKey("oci-layout") && load.entries.containsKey("index.json")) {
                verifyBlobNames(load);
                images = ociImages(load);
            } else if (load.entries.containsKey("manifest.json")) {
                verifyBlobNames(load);
                images = dockerImages(load);
            } else {
                throw load.invalid("archive", "neither a docker archive (manifest.json) nor an OCI layout "
                        + "(oci-layout and index.json)");
            }
            List<LoadedImage> result = commit(load, images, listener);
            listener.finished();
            ok = true;
            return result;
        } finally {
            for (BlobStore.Staged staged : load.staged) {
                store.discard(staged);
            }
            if (!ok) {
                for (Digest digest : load.added) {
                    store.deleteQuietly(digest);
                }
            }
        }
    }

    private void readEntries(Path archive, Load load) throws BerthException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 65536)) {
            TarReader tar = new TarReader(in);
            TarReader.Entry entry;
            while ((entry = tar.next()) != null) {
                String name = normalise(load, entry.name());
                switch (entry.type()) {
                    case DIRECTORY -> { }
                    case FILE -> {
                        if (load.entries.containsKey(name)) {
                            throw load.invalid(name, "appears twice in the archive");
                        }
                        BlobStore.Staged staged = store.stage(tar.data());
                        load.staged.add(staged);
                        load.entries.put(name, staged);
                    }
                    case HARDLINK -> {
                        String target = normalise(load, entry.linkName());
                        BlobStore.Staged linked = load.entries.get(target);
                        if (linked == null) {
                            throw load.invalid(name, "hardlink to " + target
                                    + ", which is not a regular file read before it");
                        }
                        if (load.entries.containsKey(name)) {
                            throw load.invalid(name, "appears twice in the archive");
                        }
                        load.entries.put(name, linked);
                    }
                    case SYMLINK -> {
                        if (load.entries.containsKey(name) || load.symlinks.containsKey(name)) {
                            throw load.invalid(name, "appears twice in the archive");
                        }
                        load.symlinks.put(name, symlinkTarget(load, name, entry.linkName()));
                    }
                    default -> throw load.invalid(name, "entry type '" + entry.typeFlag()
                            + "' is not allowed in image archives (regular files, directories, hardlinks only)");
                }
            }
            resolveSymlinks(load);
        } catch (TarReader.FormatException e) {
            throw load.invalid("archive", e.getMessage());
        } catch (NoSuchFileException e) {
            throw new BerthException(ErrorKind.NOT_FOUND, load.action + ": no such file", e);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, load.action + ": " + e, e);
        }
    }

    /**
     * The archive-relative name a symlink points at. skopeo writes each docker layer as
     * {@code <id>/layer.tar -> ../<id>.tar}, so links inside the archive are followed like names; a target
     * that is absolute or climbs out of the archive is refused.
     */
    private static String symlinkTarget(Load load, String name, String link) throws BerthException {
        if (link.isEmpty() || link.startsWith("/")) {
            throw load.invalid(name, "symlink target \"" + link + "\" is absolute or empty; only links inside the "
                    + "archive are allowed");
        }
        List<String> parts = new ArrayList<>(List.of(name.split("/")));
        parts.remove(parts.size() - 1);
        for (String part : link.split("/")) {
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw load.invalid(name, "symlink target \"" + link + "\" escapes the archive");
                }
                parts.remove(parts.size() - 1);
            } else if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    /** Makes every symlink that ends at a regular file an alias of that file; others stay unresolved. */
    private static void resolveSymlinks(Load load) {
        for (Map.Entry<String, String> link : load.symlinks.entrySet()) {
            String target = link.getValue();
            for (int hops = 0; hops < 16 && target != null && !load.entries.containsKey(target); hops++) {
                target = load.symlinks.get(target);
            }
            if (target != null && load.entries.containsKey(target)) {
                load.entries.put(link.getKey(), load.entries.get(target));
            }
        }
    }

    private static String normalise(Load load, String raw) throws BerthException {
        if (raw.isEmpty()) {
            throw load.invalid("\"\"", "empty entry name");
        }
        if (raw.startsWith("/")) {
            throw load.invalid(raw, "absolute entry names are not allowed");
        }
        List<String> parts = new ArrayList<>();
        for (String part : raw.split("/")) {
            if (part.equals("..")) {
                throw load.invalid(raw, "entry names must not contain \"..\"");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        if (parts.isEmpty()) {
            return ".";
        }
        return String.join("/", parts);
    }

    private void verifyBlobNames(Load load) throws BerthException {
        for (Map.Entry<String, BlobStore.Staged> e : load.entries.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("blobs/")) {
                continue;
            }
            Digest named;
            try {
                String[] parts = name.split("/");
                if (parts.length != 3) {
                    throw new IllegalArgumentException("not blobs/<algorithm>/<hex>");
                }
                named = new Digest(parts[1], parts[2]);
            } catch (IllegalArgumentException ex) {
                throw load.invalid(name, "blob names must be blobs/sha256/<hex>: " + ex.getMessage());
            }
            if (!named.equals(e.getValue().digest())) {
                throw load.invalid(name, "blob digest mismatch: content hashes to " + e.getValue().digest());
            }
        }
    }

    private List<Found> ociImages(Load load) throws BerthException {
        JsonNode layout = load.parse("oci-layout", load.small("oci-layout", "the OCI layout"));
        if (!layout.path("imageLayoutVersion").isTextual()) {
            throw load.invalid("oci-layout", "no imageLayoutVersion");
        }
        JsonNode index = load.parse("index.json", load.small("index.json", "the OCI layout"));
        JsonNode manifests = index.path("manifests");
        if (!manifests.isArray()) {
            throw load.invalid("index.json", "manifests is not an array");
        }
        List<Found> images = new ArrayList<>();
        for (JsonNode entry : manifests) {
            Descriptor descriptor = descriptor(load, entry, "index.json");
            List<String> tags = tags(load, entry.path("annotations"));
            images.add(ociImage(load, descriptor, tags, "index.json", 0));
        }
        return images;
    }

    private Found ociImage(Load load, Descriptor descriptor, List<String> tags, String referrer,
            int depth) throws BerthException {
        String name = blobName(descriptor.digest());
        byte[] bytes = blob(load, descriptor, referrer);
        JsonNode doc = load.parse(name, bytes);
        String mediaType = doc.path("mediaType").asText(descriptor.mediaType());
        if (MediaTypes.isIndex(mediaType) || MediaTypes.isIndex(descriptor.mediaType())) {
            if (depth >= MAX_INDEX_DEPTH) {
                throw load.invalid(name, "indexes nested deeper than " + MAX_INDEX_DEPTH);
            }
            Platform host = Platform.host();
            for (JsonNode child : doc.path("manifests")) {
                JsonNode p = child.path("platform");
                if (host.matches(p.path("os").asText(), p.path("architecture").asText(),
                        p.path("variant").isTextual() ? p.path("variant").asText() : null)) {
                    return ociImage(load, descriptor(load, child, name), tags, name, depth + 1);
                }
            }
            throw load.invalid(name, "no manifest for platform " + host);
        }
        if (!MediaTypes.isManifest(mediaType)) {
            throw load.invalid(name, "media type " + mediaType + " is neither an image manifest nor an index");
        }
        Descriptor config = descriptor(load, doc.path("config"), name);
        JsonNode layersNode = doc.path("layers");
        if (!layersNode.isArray()) {
            throw load.invalid(name, "layers is not an array");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode layer : layersNode) {
            Descriptor l = descriptor(load, layer, name);
            blobEntry(load, l, name);
            layers.add(l);
        }
        JsonNode configDoc = load.parse(blobName(config.digest()), blob(load, config, name));
        List<Digest> diffIds = diffIds(load, blobName(config.digest()), configDoc, layers.size());
        Platform platform = StoredImage.platform(configDoc);
        return new Found(tags, new Descriptor(mediaType, descriptor.digest(), descriptor.size()), platform, config,
                layers, diffIds, null);
    }

    private List<Found> dockerImages(Load load) throws BerthException {
        JsonNode manifest = load.parse("manifest.json", load.small("manifest.json", "the docker archive"));
        if (!manifest.isArray()) {
            throw load.invalid("manifest.json", "not a JSON array of images");
        }
        List<Found> images = new ArrayList<>();
        int i = 0;
        for (JsonNode item : manifest) {
            String where = "manifest.json[" + i++ + "]";
            String configName = text(load, item, "Config", where);
            byte[] configBytes = load.small(normalise(load, configName), where);
            BlobStore.Staged configEntry = load.entry(normalise(load, configName), where);
            JsonNode configDoc = load.parse(configName, configBytes);
            JsonNode layerNames = item.path("Layers");
            if (!layerNames.isArray()) {
                throw load.invalid(where, "Layers is not an array");
            }
            List<Descriptor> layers = new ArrayList<>();
            for (JsonNode layerName : layerNames) {
                BlobStore.Staged layer = load.entry(normalise(load, layerName.asText()), where);
                layers.add(new Descriptor(MediaTypes.OCI_LAYER, layer.digest(), layer.size()));
            }
            List<Digest> diffIds = diffIds(load, configName, configDoc, layers.size());
            for (int l = 0; l < layers.size(); l++) {
                if (!layers.get(l).digest().equals(diffIds.get(l))) {
                    throw load.invalid(layerNames.get(l).asText(), "layer does not match rootfs.diff_ids[" + l
                            + "] " + diffIds.get(l) + " (docker archive layers must be uncompressed tars)");
                }
            }
            List<String> tags = new ArrayList<>();
            for (JsonNode tag : item.path("RepoTags")) {
                tags.add(reference(load, tag.asText(), where + ".RepoTags"));
            }
            Descriptor config = new Descriptor(MediaTypes.OCI_CONFIG, configEntry.digest(), configEntry.size());
            byte[] synthesized = synthesize(config, layers);
            Descriptor manifestDescriptor = new Descriptor(MediaTypes.OCI_MANIFEST, BlobStore.sha256(synthesized),
                    synthesized.length);
            images.add(new Found(tags, manifestDescriptor, StoredImage.platform(configDoc), config, layers, diffIds,
                    synthesized));
        }
        if (images.isEmpty()) {
            throw load.invalid("manifest.json", "lists no images");
        }
        return images;
    }

    /** The canonical JSON (sorted keys, no whitespace) of an OCI manifest for a docker archive image. */
    private byte[] synthesize(Descriptor config, List<Descriptor> layers) throws BerthException {
        ObjectNode root = canonical.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.OCI_MANIFEST);
        root.set("config", descriptorNode(config));
        ArrayNode layerArray = root.putArray("layers");
        for (Descriptor layer : layers) {
            layerArray.add(descriptorNode(layer));
        }
        try {
            return canonical.writeValueAsBytes(canonical.treeToValue(root, TreeMap.class));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "synthesize manifest: " + e, e);
        }
    }

    private ObjectNode descriptorNode(Descriptor d) {
        ObjectNode node = canonical.createObjectNode();
        node.put("mediaType", d.mediaType());
        node.put("digest", d.digest().toString());
        node.put("size", d.size());
        return node;
    }

    private List<String> tags(Load load, JsonNode annotations) throws BerthException {
        Set<String> tags = new LinkedHashSet<>();
        JsonNode containerd = annotations.path(CONTAINERD_NAME);
        if (containerd.isTextual()) {
            tags.add(reference(load, containerd.asText(), "index.json annotation " + CONTAINERD_NAME));
        }
        JsonNode refName = annotations.path(REF_NAME);
        if (refName.isTextual() && isFullReference(refName.asText())) {
            tags.add(reference(load, refName.asText(), "index.json annotation " + REF_NAME));
        }
        return List.copyOf(tags);
    }

    /** Whether a ref.name annotation is a full reference rather than a bare tag such as "latest". */
    private static boolean isFullReference(String text) {
        int slash = text.lastIndexOf('/');
        return slash >= 0 && text.indexOf(':', slash) > 0;
    }

    private static String reference(Load load, String text, String where) throws BerthException {
        try {
            return ImageReference.parse(text).toString();
        } catch (IllegalArgumentException e) {
            throw load.invalid(where, "bad image reference \"" + text + "\": " + e.getMessage());
        }
    }

    private static List<Digest> diffIds(Load load, String configName, JsonNode config, int layers)
            throws BerthException {
        JsonNode ids = config.path("rootfs").path("diff_ids");
        if (!ids.isArray()) {
            throw load.invalid(configName, "rootfs.diff_ids is not an array");
        }
        List<Digest> result = new ArrayList<>();
        for (JsonNode id : ids) {
            try {
                result.add(Digest.parse(id.asText()));
            } catch (IllegalArgumentException e) {
                throw load.invalid(configName, "rootfs.diff_ids: " + e.getMessage());
            }
        }
        if (result.size() != layers) {
            throw load.invalid(configName, "diff id count mismatch: rootfs.diff_ids has " + result.size()
                    + " entries but the image has " + layers + " layers");
        }
        return result;
    }

    private static String text(Load load, JsonNode node, String field, String where) throws BerthException {
        JsonNode value = node.path(field);
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw load.invalid(where, field + " is missing or not a string");
        }
        return value.asText();
    }

    private static Descriptor descriptor(Load load, JsonNode node, String where) throws BerthException {
        try {
            String mediaType = node.path("mediaType").asText("");
            Digest digest = Digest.parse(node.path("digest").asText(""));
            if (!node.path("size").canConvertToLong() || !node.path("size").isIntegralNumber()) {
                throw new IllegalArgumentException("size is missing");
            }
            return new Descriptor(mediaType, digest, node.path("size").asLong());
        } catch (IllegalArgumentException e) {
            throw load.invalid(where, "bad descriptor: " + e.getMessage());
        }
    }

    private static String blobName(Digest digest) {
        return "blobs/" + digest.algorithm() + "/" + digest.hex();
    }

    private static BlobStore.Staged blobEntry(Load load, Descriptor d, String referrer) throws BerthException {
        BlobStore.Staged staged = load.entry(blobName(d.digest()), referrer);
        if (staged.size() != d.size()) {
            throw load.invalid(blobName(d.digest()), "size mismatch: " + referrer + " says " + d.size()
                    + " bytes, the archive holds " + staged.size());
        }
        return staged;
    }

    private static byte[] blob(Load load, Descriptor d, String referrer) throws BerthException {
        blobEntry(load, d, referrer);
        return load.small(blobName(d.digest()), referrer);
    }

    private List<LoadedImage> commit(Load load, List<Found> images, Listener listener) throws BerthException {
        Map<Digest, BlobStore.Staged> byDigest = new HashMap<>();
        for (BlobStore.Staged staged : load.entries.values()) {
            byDigest.putIfAbsent(staged.digest(), staged);
        }
        Map<Digest, Descriptor> referenced = new LinkedHashMap<>();
        Map<Digest, byte[]> synthesized = new HashMap<>();
        for (Found image : images) {
            if (image.synthesized() != null) {
                synthesized.put(image.manifest().digest(), image.synthesized());
            }
            referenced.putIfAbsent(image.config().digest(), image.config());
            for (Descriptor layer : image.layers()) {
                referenced.putIfAbsent(layer.digest(), layer);
            }
            referenced.putIfAbsent(image.manifest().digest(), image.manifest());
        }
        // Only what the chosen images reference is kept: nested indexes, other platforms and stray entries
        // are discarded with the rest of the staged files.
        for (Map.Entry<Digest, Descriptor> e : referenced.entrySet()) {
            Digest digest = e.getKey();
            boolean added;
            byte[] bytes = synthesized.get(digest);
            if (bytes != null) {
                added = store.put(bytes);
            } else {
                BlobStore.Staged staged = byDigest.get(digest);
                if (staged == null) {
                    throw load.invalid(blobName(digest), "missing from the archive");
                }
                if (store.has(digest)) {
                    added = false;
                } else {
                    added = store.commit(staged);
                }
            }
            if (added) {
                load.added.add(digest);
            }
            listener.stored(e.getValue(), added);
        }
        List<LoadedImage> result = new ArrayList<>();
        for (Found image : images) {
            result.add(new LoadedImage(image.tags(), image.manifest().digest(), image.manifest().mediaType(),
                    image.platform(), image.config(), image.layers(), image.diffIds()));
        }
        return result;
    }
}
