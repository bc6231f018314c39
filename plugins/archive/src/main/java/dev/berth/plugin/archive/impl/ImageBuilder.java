package dev.berth.plugin.archive.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.image.Platform;
import dev.berth.api.stage.BuildRequest;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.StageProgress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds one image in a {@link BlobStore} from a {@link BuildRequest}: reads the base (if any) and applies
 * the settings and changes to a copy of its config first, so that bad input fails before the layer is
 * read; then stages the layer, the new config (diff id, history entry, created, author) and the manifest
 * (the base's family, its layer descriptors verbatim plus the new one), and commits the three only once
 * all are staged, the manifest last. JSON is written with sorted keys and no whitespace, so the same
 * request gives the same digests. A failure before the commits leaves nothing in the store. Thread-safe:
 * each call works on its own state.
 */
final class ImageBuilder {
    private static final String ACTION = "commit";

    /** The media types of one manifest family. */
    private record Family(String manifest, String config, String layer) {
        static final Family OCI = new Family(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_CONFIG, MediaTypes.OCI_LAYER_GZIP);
        static final Family DOCKER = new Family(MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_CONFIG,
                MediaTypes.DOCKER_LAYER_GZIP);
    }

    private final BlobStore store;
    private final LayerBlobWriter layers;

    ImageBuilder(BlobStore store) {
        this.store = Objects.requireNonNull(store, "store");
        this.layers = new LayerBlobWriter(store);
    }

    /**
     * Builds the image {@code request} describes.
     *
     * @throws BerthException INVALID for a bad layer, change line or base, NOT_FOUND if the base, one of its
     *         blobs or the layer file is missing, UNAVAILABLE on I/O errors
     */
    LoadedImage build(BuildRequest request, StageProgress progress) throws BerthException {
        StoredImage base = request.base() == null ? null
                : StoredImage.read(store, ACTION + ": base image", request.base());
        Family family = base != null && MediaTypes.DOCKER_MANIFEST.equals(base.manifest().mediaType())
                ? Family.DOCKER : Family.OCI;
        ObjectNode config = base == null ? freshConfig(request.platform()) : base.configDoc().deepCopy();
        ObjectNode run = config.path("config").isObject() ? (ObjectNode) config.get("config")
                : config.putObject("config");
        ConfigChanges.applySettings(run, request.config());
        ConfigChanges.apply(run, request.changes(), ACTION);

        LayerBlobWriter.LayerBlob layer = layers.stage(request.layer(), ACTION, progress);
        List<BlobStore.Staged> staged = new ArrayList<>(List.of(layer.staged()));
        try {
            String created = DateTimeFormatter.ISO_INSTANT.format(request.created());
            recordLayer(config, request, created, layer.diffId());
            BlobStore.Staged configBlob = stage(canonical(config), "config", progress);
            staged.add(configBlob);
            Descriptor configDescriptor = new Descriptor(family.config(), configBlob.digest(), configBlob.size());
            Descriptor layerDescriptor = new Descriptor(family.layer(), layer.staged().digest(),
                    layer.staged().size());

            ObjectNode manifest = StoredImage.JSON.createObjectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", family.manifest());
            manifest.set("config", descriptorNode(configDescriptor));
            ArrayNode layerNodes = manifest.putArray("layers");
            if (base != null) {
                base.manifestDoc().path("layers").forEach(l -> layerNodes.add(l.deepCopy()));
            }
            layerNodes.add(descriptorNode(layerDescriptor));
            byte[] manifestBytes = canonical(manifest);
            BlobStore.Staged manifestBlob = stage(manifestBytes, "manifest", progress);
            staged.add(manifestBlob);

            for (BlobStore.Staged blob : staged) {
                store.commit(blob);
            }
            List<Descriptor> allLayers = new ArrayList<>(base == null ? List.of() : base.layers());
            allLayers.add(layerDescriptor);
            List<Digest> diffIds = new ArrayList<>(base == null ? List.of() : base.diffIds());
            diffIds.add(layer.diffId());
            progress.update(manifestBlob.digest().shortHex(), "committed", manifestBytes.length,
                    manifestBytes.length);
            return new LoadedImage(List.of(), manifestBlob.digest(), family.manifest(),
                    StoredImage.platform(config), configDescriptor, allLayers, diffIds);
        } finally {
            for (BlobStore.Staged blob : staged) {
                store.discard(blob); // nothing left to delete for the committed ones
            }
        }
    }

    /** An image config of nothing yet, for {@code platform}. */
    private static ObjectNode freshConfig(Platform platform) {
        ObjectNode config = StoredImage.JSON.createObjectNode();
        config.put("architecture", platform.architecture());
        config.put("os", platform.os());
        if (platform.variant() != null) {
            config.put("variant", platform.variant());
        }
        config.putObject("config");
        config.putObject("rootfs").put("type", "layers").putArray("diff_ids");
        return config;
    }

    /** Adds the layer's diff id, a history entry, the creation time and the author to the config. */
    private static void recordLayer(ObjectNode config, BuildRequest request, String created, Digest diffId) {
        config.put("created", created);
        if (!request.author().isEmpty()) {
            config.put("author", request.author());
        }
        ObjectNode rootfs = config.path("rootfs").isObject() ? (ObjectNode) config.get("rootfs")
                : config.putObject("rootfs");
        if (!rootfs.path("type").isTextual()) {
            rootfs.put("type", "layers");
        }
        ArrayNode diffIds = rootfs.path("diff_ids").isArray() ? (ArrayNode) rootfs.get("diff_ids")
                : rootfs.putArray("diff_ids");
        diffIds.add(diffId.toString());
        ArrayNode history = config.path("history").isArray() ? (ArrayNode) config.get("history")
                : config.putArray("history");
        ObjectNode entry = history.addObject();
        entry.put("created", created);
        entry.put("created_by", request.createdBy());
        if (!request.comment().isEmpty()) {
            entry.put("comment", request.comment());
        }
        if (!request.author().isEmpty()) {
            entry.put("author", request.author());
        }
    }

    private static ObjectNode descriptorNode(Descriptor d) {
        ObjectNode node = StoredImage.JSON.createObjectNode();
        node.put("mediaType", d.mediaType());
        node.put("digest", d.digest().toString());
        node.put("size", d.size());
        return node;
    }

    /** Stages {@code bytes}, reporting "writing config" or "writing manifest" under their short digest. */
    private BlobStore.Staged stage(byte[] bytes, String what, StageProgress progress) throws BerthException {
        progress.update(BlobStore.sha256(bytes).shortHex(), "writing " + what, 0, bytes.length);
        try {
            return store.stage(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, ACTION + ": write " + what + ": " + e, e);
        }
    }

    /** {@code node} as compact JSON with every object's keys sorted. */
    static byte[] canonical(JsonNode node) throws BerthException {
        try {
            return StoredImage.JSON.writeValueAsBytes(sorted(node));
        } catch (JsonProcessingException e) {
            throw new BerthException(ErrorKind.INTERNAL, ACTION + ": write JSON: " + e, e);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = StoredImage.JSON.createObjectNode();
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            names.forEach(name -> out.set(name, sorted(node.get(name))));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = StoredImage.JSON.createArrayNode();
            node.forEach(item -> out.add(sorted(item)));
            return out;
        }
        return node;
    }
}
