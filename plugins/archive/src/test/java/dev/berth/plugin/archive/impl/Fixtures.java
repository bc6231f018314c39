package dev.berth.plugin.archive.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.api.image.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Builds test images and runs the real tools (skopeo, podman, umoci, tar) on them. Stateless. */
final class Fixtures {
    private Fixtures() {
    }

    /** A built OCI layout directory and the digests it holds. */
    record Layout(Path dir, Digest manifest, Digest config, Digest layer, Digest diffId) {
    }

    /** The result of a tool run. */
    record Run(int exit, String output) {
    }

    /**
     * Builds an OCI image layout at {@code dir} with one gzip layer made by GNU tar from a small root
     * filesystem, tagged "latest" by a bare ref.name annotation.
     */
    static Layout ociLayout(Path work, Path dir) throws IOException, InterruptedException {
        Path rootfs = work.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/hello"), "hello from the berth archive tests\n");
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Path layerTar = work.resolve("layer.tar");
        Run tar = run(List.of("tar", "--sort=name", "--mtime=@0", "--numeric-owner", "--owner=0", "--group=0",
                "-C", rootfs.toString(), "-cf", layerTar.toString(), "."));
        assertEquals(0, tar.exit(), tar.output());
        byte[] layer = Files.readAllBytes(layerTar);
        Digest diffId = BlobStore.sha256(layer);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(layer);
        }
        Path blobs = dir.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        Digest layerDigest = blob(blobs, gz.toByteArray());
        String config = "{\"created\":\"1970-01-01T00:00:00Z\",\"architecture\":\"amd64\",\"os\":\"linux\","
                + "\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\"" + diffId + "\"]},\"history\":[{\"created_by\":\"berth archive test\"}]}";
        byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
        Digest configDigest = blob(blobs, configBytes);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + configDigest + "\",\"size\":" + configBytes.length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigest + "\",\"size\":"
                + gz.size() + "}]}";
        byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
        Digest manifestDigest = blob(blobs, manifestBytes);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"mediaType\":"
                + "\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifestDigest + "\",\"size\":"
                + manifestBytes.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}]}");
        return new Layout(dir, manifestDigest, configDigest, layerDigest, diffId);
    }

    private static Digest blob(Path blobs, byte[] bytes) throws IOException {
        Digest digest = BlobStore.sha256(bytes);
        Files.write(blobs.resolve(digest.hex()), bytes);
        return digest;
    }

    /** Runs a command with a 60 s limit, returning its exit code and merged output. */
    static Run run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Run(-1, String.join(" ", command) + ": timed out");
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /** A podman command line whose storage lives under {@code dir}, leaving the host's store untouched. */
    static List<String> podman(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("podman", "--root", dir.resolve("root").toString(),
                "--runroot", dir.resolve("runroot").toString(), "--tmpdir", dir.resolve("tmp").toString(),
                "--network-config-dir", dir.resolve("networks").toString(),
                "--volumepath", dir.resolve("volumes").toString(), "--storage-driver", "vfs",
                "--cgroup-manager", "cgroupfs", "--events-backend", "none"));
        command.addAll(List.of(args));
        return command;
    }

    /** Every file below {@code dir}, as paths relative to it. */
    static List<String> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
