package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Builds small OCI and Docker images in memory (deterministic gzip tar layers, config, manifest, index),
 * pushes them to a registry over plain HTTP or puts them in a content store, and asks a registry what it
 * holds. Stateless and thread-safe.
 */
final class TestImages {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Some bytes with their media type. */
    record Blob(String mediaType, byte[] bytes) {
        Digest digest() {
            return sha256(bytes);
        }

        Descriptor descriptor() {
            return new Descriptor(mediaType, digest(), bytes.length);
        }
    }

    /** A single-platform image. */
    record Image(Blob manifest, Blob config, List<Blob> layers) {
        List<Blob> blobs() {
            List<Blob> all = new ArrayList<>();
            all.add(config);
            all.addAll(layers);
            return all;
        }
    }

    /** A two-platform index and its images. */
    record IndexImage(Blob index, Image amd64, Image arm64) {
    }

    private TestImages() {
    }

    static Digest sha256(byte[] bytes) {
        try {
            return Digest.sha256(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A deterministic ustar archive of regular files (mode 0644, uid 0, mtime 0). */
    static byte[] tar(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            byte[] header = new byte[512];
            put(header, 0, 100, file.getKey());
            put(header, 100, 8, "0000644");
            put(header, 108, 8, "0000000");
            put(header, 116, 8, "0000000");
            put(header, 124, 12, String.format("%011o", file.getValue().length));
            put(header, 136, 12, "00000000000");
            for (int i = 148; i < 156; i++) {
                header[i] = ' ';
            }
            header[156] = '0';
            put(header, 257, 6, "ustar");
            put(header, 263, 2, "00");
            int sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            put(header, 148, 8, String.format("%06o", sum));
            header[155] = ' ';
            out.writeBytes(header);
            out.writeBytes(file.getValue());
            int pad = (512 - file.getValue().length % 512) % 512;
            out.writeBytes(new byte[pad]);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static void put(byte[] header, int offset, int length, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, Math.min(length, bytes.length));
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * An image with two gzip layers: a few text files, and {@code noiseBytes} of incompressible data (so that a
     * layer is large enough to cut in half).
     */
    static Image image(boolean docker, String architecture, String marker, int noiseBytes) {
        Map<String, byte[]> first = new LinkedHashMap<>();
        first.put("etc/hostname", ("berth-" + marker + "\n").getBytes(StandardCharsets.UTF_8));
        first.put("etc/motd", ("built in Java for " + architecture + "\n").getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> second = new LinkedHashMap<>();
        byte[] noise = new byte[noiseBytes];
        new Random(marker.hashCode()).nextBytes(noise);
        second.put("opt/noise.bin", noise);
        second.put("opt/readme", "second layer\n".getBytes(StandardCharsets.UTF_8));
        byte[] tar1 = tar(first);
        byte[] tar2 = tar(second);
        String layerType = docker ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.OCI_LAYER_GZIP;
        Blob layer1 = new Blob(layerType, gzip(tar1));
        Blob layer2 = new Blob(layerType, gzip(tar2));

        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", architecture);
        config.put("os", "linux");
        if (architecture.equals("arm64")) {
            config.put("variant", "v8");
        }
        config.putObject("config").putArray("Cmd").add("/bin/sh");
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add(sha256(tar1).toString()).add(sha256(tar2).toString());
        Blob configBlob = new Blob(docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG, json(config));

        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        String manifestType = docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST;
        manifest.put("mediaType", manifestType);
        manifest.set("config", descriptorJson(configBlob));
        ArrayNode layers = manifest.putArray("layers");
        layers.add(descriptorJson(layer1));
        layers.add(descriptorJson(layer2));
        return new Image(new Blob(manifestType, json(manifest)), configBlob, List.of(layer1, layer2));
    }

    static IndexImage index(String marker) {
        Image amd64 = image(false, "amd64", marker + "-amd64", 2048);
        Image arm64 = image(false, "arm64", marker + "-arm64", 3072);
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        ObjectNode a = descriptorJson(amd64.manifest());
        a.putObject("platform").put("os", "linux").put("architecture", "amd64");
        ObjectNode b = descriptorJson(arm64.manifest());
        b.putObject("platform").put("os", "linux").put("architecture", "arm64").put("variant", "v8");
        manifests.add(a).add(b);
        return new IndexImage(new Blob(MediaTypes.OCI_INDEX, json(index)), amd64, arm64);
    }

    private static ObjectNode descriptorJson(Blob blob) {
        ObjectNode node = JSON.createObjectNode();
        node.put("mediaType", blob.mediaType());
        node.put("digest", blob.digest().toString());
        node.put("size", blob.bytes().length);
        return node;
    }

    private static byte[] json(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void push(RegistryServer registry, String repository, String tag, Image image) throws Exception {
        for (Blob blob : image.blobs()) {
            pushBlob(registry, repository, blob);
        }
        pushManifest(registry, repository, tag, image.manifest());
    }

    static void push(RegistryServer registry, String repository, String tag, IndexImage index) throws Exception {
        push(registry, repository, index.amd64().manifest().digest().toString(), index.amd64());
        push(registry, repository, index.arm64().manifest().digest().toString(), index.arm64());
        pushManifest(registry, repository, tag, index.index());
    }

    static void pushBlob(RegistryServer registry, String repository, Blob blob) throws Exception {
        HttpResponse<String> started = HTTP.send(HttpRequest.newBuilder(registry.uri("/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        expect(started, 202, "start upload");
        URI location = registry.uri("/").resolve(started.headers().firstValue("Location").orElseThrow());
        String separator = location.getRawQuery() == null ? "?" : "&";
        HttpResponse<String> done = HTTP.send(HttpRequest.newBuilder(URI.create(location + separator + "digest="
                        + blob.digest()))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob.bytes())).build(), HttpResponse.BodyHandlers.ofString());
        expect(done, 201, "finish upload");
    }

    static void pushManifest(RegistryServer registry, String repository, String reference, Blob manifest)
            throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(registry.uri("/v2/" + repository
                        + "/manifests/" + reference))
                .header("Content-Type", manifest.mediaType())
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest.bytes())).build(), HttpResponse.BodyHandlers.ofString());
        expect(response, 201, "put manifest");
    }

    /** Puts the manifest, config and layers of {@code image} into {@code store}, as a pull would leave them. */
    static void store(ContentStore store, Image image) throws Exception {
        store.put(image.manifest().descriptor(), image.manifest().bytes());
        for (Blob blob : image.blobs()) {
            store.put(blob.descriptor(), blob.bytes());
        }
    }

    /** Puts the index and both of its images into {@code store}. */
    static void store(ContentStore store, IndexImage index) throws Exception {
        store(store, index.amd64());
        store(store, index.arm64());
        store.put(index.index().descriptor(), index.index().bytes());
    }

    /** The manifest {@code reference} of {@code repository} as the registry serves it, or null on 404. */
    static Blob manifest(RegistryServer registry, String repository, String reference) throws Exception {
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(registry.uri("/v2/" + repository
                        + "/manifests/" + reference)).header("Accept", String.join(", ", MediaTypes.MANIFEST_TYPES))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 404) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new IOException("get manifest " + response.uri() + ": HTTP " + response.statusCode());
        }
        return new Blob(response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    /** Whether the registry has the blob {@code digest} in {@code repository}. */
    static boolean hasBlob(RegistryServer registry, String repository, Digest digest) throws Exception {
        HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(registry.uri("/v2/" + repository + "/blobs/"
                + digest)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        return response.statusCode() == 200;
    }

    private static void expect(HttpResponse<String> response, int status, String what) throws IOException {
        if (response.statusCode() != status) {
            throw new IOException(what + " " + response.uri() + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }
}
