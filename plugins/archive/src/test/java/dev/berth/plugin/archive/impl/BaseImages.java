package dev.berth.plugin.archive.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.stage.BuildRequest;
import dev.berth.api.stage.ImageSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Puts base images straight into a test content store, and builds commit requests on them. Stateless. */
final class BaseImages {
    /** When every test request says it was made. */
    static final Instant CREATED = Instant.parse("2024-05-06T07:08:09Z");

    private BaseImages() {
    }

    /** A stored base image: its manifest, config and one gzip layer. */
    record Base(Digest manifest, String mediaType, Digest config, Digest layer, long layerSize, Digest diffId) {
    }

    /**
     * Stores a base image with {@code layerTar} as its only layer: an OCI manifest, or a Docker schema 2 one
     * when {@code docker}. Its config is linux/arm64/v8 with Env, Cmd, WorkingDir, Labels, ExposedPorts,
     * one history entry and fields Berth does not know (which must survive a commit).
     */
    static Base put(BlobStore store, boolean docker, byte[] layerTar) throws Exception {
        byte[] layer = gzip(layerTar);
        Digest diffId = BlobStore.sha256(layerTar);
        String config = "{\"architecture\":\"arm64\",\"variant\":\"v8\",\"os\":\"linux\","
                + "\"created\":\"2020-01-01T00:00:00Z\",\"config\":{\"Env\":[\"PATH=/usr/bin\",\"KEEP=1\"],"
                + "\"Cmd\":[\"sh\"],\"WorkingDir\":\"/srv\",\"Labels\":{\"base\":\"yes\"},"
                + "\"ExposedPorts\":{\"22/tcp\":{}}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId
                + "\"]},\"history\":[{\"created\":\"2020-01-01T00:00:00Z\",\"created_by\":\"base layer\"}],"
                + "\"x_unknown\":{\"kept\":[1,2.50]}"
                + (docker ? ",\"docker_version\":\"24.0.0\",\"container_config\":{\"Cmd\":[\"true\"]}" : "") + "}";
        byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\""
                + (docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST) + "\",\"config\":{\"mediaType\":\""
                + (docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG) + "\",\"digest\":\""
                + BlobStore.sha256(configBytes) + "\",\"size\":" + configBytes.length + "},\"layers\":[{\"mediaType\":\""
                + (docker ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.OCI_LAYER_GZIP) + "\",\"digest\":\""
                + BlobStore.sha256(layer) + "\",\"size\":" + layer.length
                + ",\"annotations\":{\"org.example.kept\":\"verbatim\"}}]}";
        byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
        store.put(layer);
        store.put(configBytes);
        store.put(manifestBytes);
        return new Base(BlobStore.sha256(manifestBytes), docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST,
                BlobStore.sha256(configBytes), BlobStore.sha256(layer), layer.length, diffId);
    }

    /** A request for {@code layer} on {@code base} with these settings and changes, made at {@link #CREATED}. */
    static BuildRequest request(Path layer, Digest base, ImageSettings settings, List<String> changes) {
        return new BuildRequest(layer, base, null, settings, changes, "berth commit c0ffee", "a comment",
                "Ann Author <ann@example.com>", CREATED);
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    static byte[] gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        }
    }

    /** Writes {@code bytes} to a new file {@code name} under {@code dir}. */
    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    /** The stored blob {@code digest} under {@code root}, checked against its digest. */
    static byte[] blob(Path root, Digest digest) throws IOException {
        byte[] bytes = Files.readAllBytes(root.resolve("content/blobs/sha256").resolve(digest.hex()));
        assertEquals(digest, BlobStore.sha256(bytes), "stored content of " + digest);
        return bytes;
    }
}
