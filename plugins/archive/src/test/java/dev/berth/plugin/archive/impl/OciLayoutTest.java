package dev.berth.plugin.archive.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Digest;
import dev.berth.api.image.Platform;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.StageProgress;
import dev.berth.api.testing.RecordingEventLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OCI layout archives: nested indexes, name annotations and descriptors that do not match the archive. */
class OciLayoutTest {
    @TempDir
    Path tmp;

    @Test
    void picksTheHostPlatformFromANestedIndexAndReadsNameAnnotations() throws Exception {
        Fixtures.Layout layout = Fixtures.ociLayout(tmp, tmp.resolve("layout"));
        Platform host = Platform.host();
        String other = host.architecture().equals("arm64") ? "amd64" : "arm64";
        Digest missing = BlobStore.sha256("a manifest this archive does not hold".getBytes());
        long manifestSize = Files.size(blob(layout, layout.manifest()));
        String nested = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                + "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + missing + "\",\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"" + other + "\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + layout.manifest()
                + "\",\"size\":" + manifestSize + ",\"platform\":{\"os\":\"linux\",\"architecture\":\""
                + host.architecture() + "\"}}]}";
        byte[] nestedBytes = nested.getBytes(StandardCharsets.UTF_8);
        Digest nestedDigest = BlobStore.sha256(nestedBytes);
        RawTar tar = new RawTar().file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
        for (Digest d : List.of(layout.layer(), layout.config(), layout.manifest())) {
            tar.file("blobs/sha256/" + d.hex(), Files.readAllBytes(blob(layout, d)));
        }
        tar.file("blobs/sha256/" + nestedDigest.hex(), nestedBytes);
        tar.file("index.json", "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + nestedDigest + "\",\"size\":"
                + nestedBytes.length + ",\"annotations\":{\"io.containerd.image.name\":\"example.com/nested:2\","
                + "\"org.opencontainers.image.ref.name\":\"example.com/nested:2\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + layout.manifest()
                + "\",\"size\":" + manifestSize + ",\"annotations\":{\"org.opencontainers.image.ref.name\":"
                + "\"registry.example:5000/team/app:v3\"}}]}");
        Path archive = tmp.resolve("nested.tar");
        Files.write(archive, tar.bytes());

        Path root = tmp.resolve("root");
        List<LoadedImage> images = new TarArchiveStage(root, new RecordingEventLog()).load(archive,
                StageProgress.NONE);

        assertEquals(2, images.size());
        assertEquals(List.of("example.com/nested:2"), images.get(0).tags());
        assertEquals(layout.manifest(), images.get(0).manifestDigest());
        assertEquals(List.of("registry.example:5000/team/app:v3"), images.get(1).tags());
        assertEquals(List.of(layout.diffId()), images.get(1).diffIds());
        assertEquals(List.of(layout.config().hex(), layout.layer().hex(), layout.manifest().hex()).stream()
                .sorted().toList(), Fixtures.files(root.resolve("content/blobs/sha256")),
                "the nested index and nothing else beyond the image is dropped");
    }

    @Test
    void refusesADescriptorWhoseSizeDiffersFromTheBlob() throws Exception {
        Fixtures.Layout layout = Fixtures.ociLayout(tmp, tmp.resolve("layout"));
        RawTar tar = new RawTar().file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
        for (Digest d : List.of(layout.layer(), layout.config(), layout.manifest())) {
            tar.file("blobs/sha256/" + d.hex(), Files.readAllBytes(blob(layout, d)));
        }
        tar.file("index.json", "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + layout.manifest()
                + "\",\"size\":3}]}");
        Path archive = tmp.resolve("size.tar");
        Files.write(archive, tar.bytes());
        Path root = tmp.resolve("root");
        BerthException e = assertThrows(BerthException.class,
                () -> new TarArchiveStage(root, new RecordingEventLog()).load(archive, StageProgress.NONE));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("blobs/sha256/" + layout.manifest().hex() + ": size mismatch"),
                e.getMessage());
        assertEquals(List.of(), Fixtures.files(root.resolve("content")));
    }

    private static Path blob(Fixtures.Layout layout, Digest digest) {
        return layout.dir().resolve("blobs/sha256").resolve(digest.hex());
    }
}
