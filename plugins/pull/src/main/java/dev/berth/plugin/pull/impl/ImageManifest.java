package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A single-platform image manifest (OCI or Docker schema 2) as pull and push read it: the config and the
 * layers, validated (schema version 2, an image config of at most 4 MiB, sane descriptors, no blob listed
 * with two sizes). Immutable.
 *
 * @param digest    the manifest's digest
 * @param mediaType the manifest's media type
 * @param config    the config blob
 * @param layers    the layer blobs, base layer first
 */
record ImageManifest(Digest digest, String mediaType, Descriptor config, List<Descriptor> layers) {
    /** Blobs larger than this are refused as insane (1 TiB). */
    static final long MAX_BLOB_SIZE = 1L << 40;

    ImageManifest {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(config, "config");
        layers = List.copyOf(layers);
    }

    /**
     * Reads the manifest {@code json} named {@code digest}.
     *
     * @throws BerthException INVALID naming the manifest and the fault
     */
    static ImageManifest parse(Digest digest, String mediaType, JsonNode json) throws BerthException {
        Descriptor config = descriptor(json.get("config"), "config", digest);
        if (!config.mediaType().equals(MediaTypes.OCI_CONFIG) && !config.mediaType().equals(MediaTypes.DOCKER_CONFIG)) {
            throw new BerthException(ErrorKind.INVALID, "manifest " + digest + ": config media type \""
                    + config.mediaType() + "\" is not an image config");
        }
        if (config.size() > ContentStore.MAX_MANIFEST_BYTES) {
            throw new BerthException(ErrorKind.INVALID, "manifest " + digest + ": config of " + config.size()
                    + " bytes is larger than the 4 MiB limit");
        }
        JsonNode schema = json.get("schemaVersion");
        if (schema == null || schema.asInt() != 2) {
            throw new BerthException(ErrorKind.INVALID, "manifest " + digest + ": schemaVersion must be 2");
        }
        JsonNode layersNode = json.get("layers");
        if (layersNode == null || !layersNode.isArray()) {
            throw new BerthException(ErrorKind.INVALID, "manifest " + digest + ": no layers array");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (int i = 0; i < layersNode.size(); i++) {
            layers.add(descriptor(layersNode.get(i), "layer " + i, digest));
        }
        ImageManifest manifest = new ImageManifest(digest, mediaType, config, layers);
        manifest.blobs();
        return manifest;
    }

    /**
     * The config and the distinct layers, config first, each once.
     *
     * @throws BerthException INVALID if a blob is listed with two sizes
     */
    List<Descriptor> blobs() throws BerthException {
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        blobs.put(config.digest(), config);
        for (Descriptor layer : layers) {
            Descriptor previous = blobs.putIfAbsent(layer.digest(), layer);
            if (previous != null && previous.size() != layer.size()) {
                throw new BerthException(ErrorKind.INVALID, "manifest " + digest + ": blob " + layer.digest()
                        + " is listed with two sizes");
            }
        }
        return new ArrayList<>(blobs.values());
    }

    /**
     * Reads the descriptor {@code node}, {@code what} of the manifest or index {@code manifest}.
     *
     * @throws BerthException INVALID naming the manifest, {@code what} and the missing or insane field
     */
    static Descriptor descriptor(JsonNode node, String what, Digest manifest) throws BerthException {
        String prefix = "manifest " + manifest + ": " + what;
        if (node == null || !node.isObject()) {
            throw new BerthException(ErrorKind.INVALID, prefix + " is missing");
        }
        JsonNode mediaType = node.get("mediaType");
        JsonNode digest = node.get("digest");
        JsonNode size = node.get("size");
        if (mediaType == null || !mediaType.isTextual() || mediaType.asText().isBlank()) {
            throw new BerthException(ErrorKind.INVALID, prefix + " has no mediaType");
        }
        if (digest == null || !digest.isTextual()) {
            throw new BerthException(ErrorKind.INVALID, prefix + " has no digest");
        }
        if (size == null || !size.canConvertToLong() || !size.isIntegralNumber()) {
            throw new BerthException(ErrorKind.INVALID, prefix + " has no integral size");
        }
        long bytes = size.asLong();
        if (bytes < 0 || bytes > MAX_BLOB_SIZE) {
            throw new BerthException(ErrorKind.INVALID, prefix + " has an insane size " + bytes);
        }
        try {
            return new Descriptor(mediaType.asText(), Digest.parse(digest.asText()), bytes);
        } catch (IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INVALID, prefix + ": " + e.getMessage());
        }
    }
}
