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
import dev.berth.api.stage.ArchiveStage;
import dev.berth.api.stage.SaveItem;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.GZIPInputStream;

/**
 * Writes stored images to a {@code docker save} archive or an OCI image-layout archive: a deterministic tar
 * (sorted names, mtime 0, owner 0:0) written next to the target, fsynced and renamed over it at the end, so
 * the target never holds a partial archive. Thread-safe: each call works on its own state.
 */
final class ArchiveSaver {
    /** Receives each blob as it is written. */
    interface Listener {
        /** {@code blob} (by its stored digest) was written to the archive. */
        void written(Descriptor blob);
    }

    private final BlobStore store;
    private final ObjectMapper json = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    ArchiveSaver(BlobStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** One stored image, read and checked before anything is written. */
    private record Image(String reference, Descriptor manifest, Descriptor config, List<Descriptor> layers,
            List<Digest> diffIds) {
    }

    /** One archive entry: its name, its size and where its bytes come from. */
    private record Entry(long size, Source source, Descriptor blob) {
    }

    /** Opens the bytes of one entry. */
    private interface Source {
        InputStream open() throws IOException, BerthException;
    }

    /**
     * Saves {@code items} to {@code target} in {@code format} ({@link ArchiveStage#DOCKER} or
     * {@link ArchiveStage#OCI}).
     *
     * @throws BerthException INVALID for an unknown format, a bad reference or a layer docker archives cannot
     *         hold, NOT_FOUND for an image not in the store, UNAVAILABLE on I/O errors
     */
    void save(List<SaveItem> items, Path target, String format, Listener listener) throws BerthException {
        String action = "save " + target;
        if (!ArchiveStage.DOCKER.equals(format) && !ArchiveStage.OCI.equals(format)) {
            throw new BerthException(ErrorKind.INVALID, action + ": unknown format \"" + format + "\" (docker, oci)");
        }
        if (items.isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, action + ": no images to save");
        }
        List<Image> images = new ArrayList<>();
        for (SaveItem item : items) {
            images.add(read(action, item));
        }
        TreeMap<String, Entry> entries = ArchiveStage.DOCKER.equals(format)
                ? dockerEntries(action, images) : ociEntries(action, images);
        Path dir = target.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        boolean done = false;
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 65536);
            TarWriter tar = new TarWriter(out);
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                try (InputStream in = e.getValue().source().open()) {
                    tar.file(e.getKey(), e.getValue().size(), in);
                }
                if (e.getValue().blob() != null) {
                    listener.written(e.getValue().blob());
                }
            }
            tar.finish();
            channel.force(true);
            done = true;
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + e.getMessage(), e);
        } finally {
            if (!done) {
                deleteQuietly(temp);
            }
        }
        try {
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": rename into place: " + e, e);
        }
    }

    private Image read(String action, SaveItem item) throws BerthException {
        String reference = null;
        if (item.reference() != null) {
            try {
                reference = ImageReference.parse(item.reference()).toString();
            } catch (IllegalArgumentException e) {
                throw new BerthException(ErrorKind.INVALID, action + ": bad reference \"" + item.reference() + "\": "
                        + e.getMessage(), e);
            }
        }
        StoredImage image = StoredImage.read(store, action, item.manifestDigest());
        return new Image(reference, image.manifest(), image.config(), image.layers(), image.diffIds());
    }

    private TreeMap<String, Entry> dockerEntries(String action, List<Image> images) throws BerthException {
        TreeMap<String, Entry> entries = new TreeMap<>();
        ArrayNode manifest = json.createArrayNode();
        Map<String, Map<String, String>> repositories = new TreeMap<>();
        for (Image image : images) {
            String configName = image.config().digest().hex() + ".json";
            entries.put(configName, blobEntry(image.config()));
            ObjectNode item = manifest.addObject();
            item.put("Config", configName);
            ArrayNode tags = item.putArray("RepoTags");
            if (image.reference() != null) {
                ImageReference ref = ImageReference.parse(image.reference());
                String tag = ref.optionalTag().orElse(ImageReference.DEFAULT_TAG);
                tags.add(ref.name() + ":" + tag);
                repositories.computeIfAbsent(ref.name(), k -> new TreeMap<>()).put(tag, image.config().digest().hex());
            }
            ArrayNode layers = item.putArray("Layers");
            for (int i = 0; i < image.layers().size(); i++) {
                Descriptor layer = image.layers().get(i);
                Digest diffId = image.diffIds().get(i);
                String name = diffId.hex() + "/layer.tar";
                layers.add(name);
                if (!entries.containsKey(name)) {
                    entries.put(name, uncompressedLayer(action, layer, diffId));
                }
            }
        }
        entries.put("manifest.json", bytesEntry(write(manifest)));
        entries.put("repositories", bytesEntry(write(repositories)));
        return entries;
    }

    private TreeMap<String, Entry> ociEntries(String action, List<Image> images) throws BerthException {
        TreeMap<String, Entry> entries = new TreeMap<>();
        ObjectNode index = json.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (Image image : images) {
            ObjectNode m = manifests.addObject();
            m.put("mediaType", image.manifest().mediaType());
            m.put("digest", image.manifest().digest().toString());
            m.put("size", image.manifest().size());
            if (image.reference() != null) {
                ImageReference ref = ImageReference.parse(image.reference());
                ObjectNode annotations = m.putObject("annotations");
                annotations.put(ArchiveLoader.CONTAINERD_NAME, image.reference());
                annotations.put(ArchiveLoader.REF_NAME, ref.optionalTag().orElse(ImageReference.DEFAULT_TAG));
            }
            entries.put(blobName(image.manifest().digest()), blobEntry(image.manifest()));
            entries.put(blobName(image.config().digest()), blobEntry(image.config()));
            for (Descriptor layer : image.layers()) {
                entries.put(blobName(layer.digest()), blobEntry(layer));
            }
        }
        entries.put("oci-layout", bytesEntry("{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(
                StandardCharsets.UTF_8)));
        entries.put("index.json", bytesEntry(write(index)));
        return entries;
    }

    private Entry blobEntry(Descriptor blob) throws BerthException {
        long size = store.size(blob.digest());
        if (size != blob.size()) {
            throw new BerthException(ErrorKind.INVALID, "save: blob " + blob.digest() + ": stored size " + size
                    + " differs from its descriptor's " + blob.size());
        }
        return new Entry(size, () -> verified(store.open(blob.digest()), blob.digest()), blob);
    }

    /**
     * The entry of a layer as an uncompressed tar: stored as is, or gunzipped on the fly. The uncompressed
     * size is learned by a first pass that also checks the diff id.
     */
    private Entry uncompressedLayer(String action, Descriptor layer, Digest diffId) throws BerthException {
        String type = layer.mediaType();
        boolean gzip;
        if (type.endsWith("+zstd") || type.endsWith(".zstd")) {
            throw new BerthException(ErrorKind.INVALID, action + ": layer " + layer.digest()
                    + ": docker archives need uncompressed layers; save with --format oci");
        } else if (type.endsWith("gzip")) {
            gzip = true;
        } else if (type.equals(MediaTypes.OCI_LAYER) || type.endsWith(".tar") || type.endsWith("tar.diff")) {
            gzip = false;
        } else {
            throw new BerthException(ErrorKind.INVALID, action + ": layer " + layer.digest() + ": media type "
                    + type + " cannot be written to a docker archive; save with --format oci");
        }
        Source source = () -> {
            InputStream raw = store.open(layer.digest());
            return gzip ? new GZIPInputStream(raw, 65536) : raw;
        };
        long size = 0;
        MessageDigest hash = BlobStore.sha256();
        try (InputStream in = new DigestInputStream(source.open(), hash)) {
            byte[] buffer = new byte[65536];
            int n;
            while ((n = in.read(buffer)) > 0) {
                size += n;
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INVALID, action + ": layer " + layer.digest() + ": " + e.getMessage(),
                    e);
        }
        Digest actual = new Digest("sha256", HexFormat.of().formatHex(hash.digest()));
        if (!actual.equals(diffId)) {
            throw new BerthException(ErrorKind.INVALID, action + ": layer " + layer.digest()
                    + ": uncompressed content " + actual + " does not match diff id " + diffId);
        }
        return new Entry(size, source, layer);
    }

    private static Entry bytesEntry(byte[] bytes) {
        return new Entry(bytes.length, () -> new ByteArrayInputStream(bytes), null);
    }

    /** Wraps a stored blob so that reading it to the end fails if its bytes no longer match its digest. */
    private static InputStream verified(InputStream in, Digest expected) {
        MessageDigest hash = BlobStore.sha256();
        return new DigestInputStream(in, hash) {
            private boolean checked;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0 && !checked) {
                    checked = true;
                    String actual = HexFormat.of().formatHex(hash.digest());
                    if (!actual.equals(expected.hex())) {
                        throw new IOException("blob " + expected + ": stored content hashes to sha256:" + actual);
                    }
                }
                return n;
            }
        };
    }

    private byte[] write(Object value) throws BerthException {
        try {
            if (value instanceof JsonNode node) {
                return json.writeValueAsBytes(json.treeToValue(node, Object.class));
            }
            return json.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "save: write JSON: " + e, e);
        }
    }

    private static String blobName(Digest digest) {
        return "blobs/" + digest.algorithm() + "/" + digest.hex();
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // The temporary name is unique and hidden; a leftover does not affect the target.
        }
    }
}
