package dev.berth.plugin.archive.impl;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.image.Platform;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One image manifest in a {@link BlobStore}, read back with its config and checked: a schema 2 OCI or
 * Docker image manifest, whose config is stored and verified, whose layers are all stored, and whose
 * config lists one diff id per layer. {@code manifestDoc} and {@code configDoc} are the parsed documents
 * (numbers kept exact); they are shared, so callers copy them before changing anything.
 */
record StoredImage(Descriptor manifest, ObjectNode manifestDoc, Descriptor config, ObjectNode configDoc,
        List<Descriptor> layers, List<Digest> diffIds) {

    /** Reads JSON keeping every number exactly as written (no float rounding, no trailing zeros lost). */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    StoredImage {
        layers = List.copyOf(layers);
        diffIds = List.copyOf(diffIds);
    }

    /**
     * Reads the manifest {@code digest} and its config from {@code store}; errors start with
     * {@code action}.
     *
     * @throws BerthException NOT_FOUND if the manifest, its config or a layer is not stored, INVALID if
     *         the manifest is not a schema 2 image manifest or the config does not match it
     */
    static StoredImage read(BlobStore store, String action, Digest digest) throws BerthException {
        byte[] manifestBytes = small(store, action, "manifest " + digest, digest);
        ObjectNode manifest = object(action, "manifest " + digest, manifestBytes);
        String mediaType = manifest.path("mediaType").asText(MediaTypes.OCI_MANIFEST);
        if (!MediaTypes.isManifest(mediaType)) {
            throw new BerthException(ErrorKind.INVALID, action + ": " + digest + " is a " + mediaType
                    + ", not an image manifest (OCI or Docker schema 2)");
        }
        if (manifest.path("schemaVersion").asInt(0) != 2) {
            throw new BerthException(ErrorKind.INVALID, action + ": " + digest + " has schemaVersion "
                    + manifest.path("schemaVersion").asText("(none)") + ", not an image manifest (OCI or Docker "
                    + "schema 2)");
        }
        Descriptor config = descriptor(action, manifest.path("config"), digest);
        if (!manifest.path("layers").isArray()) {
            throw new BerthException(ErrorKind.INVALID, action + ": manifest " + digest + ": layers is not an array");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode layer : manifest.path("layers")) {
            Descriptor d = descriptor(action, layer, digest);
            if (!store.has(d.digest())) {
                throw new BerthException(ErrorKind.NOT_FOUND, action + ": layer " + d.digest() + " of " + digest
                        + ": not in the content store");
            }
            layers.add(d);
        }
        String configWhat = "config " + config.digest() + " of " + digest;
        ObjectNode configDoc = object(action, configWhat, small(store, action, configWhat, config.digest()));
        List<Digest> diffIds = new ArrayList<>();
        JsonNode ids = configDoc.path("rootfs").path("diff_ids");
        if (!ids.isArray()) {
            throw new BerthException(ErrorKind.INVALID, action + ": " + configWhat + ": rootfs.diff_ids is not an "
                    + "array");
        }
        for (JsonNode id : ids) {
            try {
                diffIds.add(Digest.parse(id.asText()));
            } catch (IllegalArgumentException e) {
                throw new BerthException(ErrorKind.INVALID, action + ": " + configWhat + ": rootfs.diff_ids: "
                        + e.getMessage(), e);
            }
        }
        if (diffIds.size() != layers.size()) {
            throw new BerthException(ErrorKind.INVALID, action + ": " + configWhat + ": " + diffIds.size()
                    + " diff ids for " + layers.size() + " layers");
        }
        return new StoredImage(new Descriptor(mediaType, digest, manifestBytes.length), manifest, config,
                configDoc, layers, diffIds);
    }

    /** The platform an image config names, or null when it lacks an os or an architecture. */
    static Platform platform(JsonNode config) {
        String os = config.path("os").asText("");
        String arch = config.path("architecture").asText("");
        if (os.isBlank() || arch.isBlank()) {
            return null;
        }
        return new Platform(os, arch, config.path("variant").asText(null));
    }

    private static byte[] small(BlobStore store, String action, String what, Digest digest) throws BerthException {
        try {
            return store.readSmall(digest);
        } catch (BerthException e) {
            String why = e.kind() == ErrorKind.NOT_FOUND ? "not in the content store" : e.getMessage();
            throw new BerthException(e.kind(), action + ": " + what + ": " + why, e);
        }
    }

    private static ObjectNode object(String action, String what, byte[] bytes) throws BerthException {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node instanceof ObjectNode object) {
                return object;
            }
            throw new BerthException(ErrorKind.INVALID, action + ": " + what + ": not a JSON object");
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INVALID, action + ": " + what + ": not JSON: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    private static Descriptor descriptor(String action, JsonNode node, Digest manifest) throws BerthException {
        try {
            if (!node.path("size").isIntegralNumber()) {
                throw new IllegalArgumentException("size is missing or not an integer");
            }
            return new Descriptor(node.path("mediaType").asText(""), Digest.parse(node.path("digest").asText("")),
                    node.path("size").asLong());
        } catch (IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INVALID, action + ": manifest " + manifest + ": bad descriptor: "
                    + e.getMessage(), e);
        }
    }
}
