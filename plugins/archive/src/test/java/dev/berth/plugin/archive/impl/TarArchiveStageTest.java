package dev.berth.plugin.archive.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.testing.RecordingEventLog;
import dev.berth.schemas.ImageSpecSchemas;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventDraft;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.stage.ArchiveStage;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.SaveItem;
import dev.berth.api.stage.StageProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads archives written by skopeo and podman and saves archives that skopeo, podman and umoci read back,
 * through the real tools on this machine.
 */
class TarArchiveStageTest {
    private static final String REFERENCE = "example.com/demo:1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ImageSpecSchemas SCHEMAS = new ImageSpecSchemas();

    @TempDir
    static Path shared;
    static Fixtures.Layout layout;
    static Path dockerArchive;
    static Path ociArchive;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildImage() throws Exception {
        layout = Fixtures.ociLayout(shared, shared.resolve("layout"));
        dockerArchive = shared.resolve("skopeo-docker.tar");
        Fixtures.Run docker = Fixtures.run(List.of("skopeo", "copy", "--quiet", "oci:" + layout.dir() + ":latest",
                "docker-archive:" + dockerArchive + ":" + REFERENCE));
        assertEquals(0, docker.exit(), docker.output());
        ociArchive = shared.resolve("skopeo-oci.tar");
        Fixtures.Run oci = Fixtures.run(List.of("skopeo", "copy", "--quiet", "oci:" + layout.dir() + ":latest",
                "oci-archive:" + ociArchive + ":latest"));
        assertEquals(0, oci.exit(), oci.output());
    }

    @Test
    void loadsSkopeoDockerArchive() throws Exception {
        RecordingEventLog log = new RecordingEventLog();
        TarArchiveStage stage = new TarArchiveStage(tmp.resolve("root"), log);
        List<String> progress = new ArrayList<>();
        List<LoadedImage> images = stage.load(dockerArchive, (item, status, current, total) ->
                progress.add(item + " " + status));

        assertEquals(1, images.size());
        LoadedImage image = images.get(0);
        assertEquals(List.of(REFERENCE), image.tags());
        assertEquals(MediaTypes.OCI_MANIFEST, image.mediaType());
        assertEquals(List.of(layout.diffId()), image.diffIds());
        assertEquals(layout.diffId(), image.layers().get(0).digest());
        assertEquals(MediaTypes.OCI_LAYER, image.layers().get(0).mediaType());
        assertEquals("linux/amd64", image.platform().toString());
        assertStored(tmp.resolve("root"), image);

        byte[] manifest = Files.readAllBytes(blob(tmp.resolve("root"), image.manifestDigest()));
        assertEquals(List.of(), SCHEMAS.validate("image-manifest-schema.json", JSON.readTree(manifest)));
        assertEquals(List.of(), SCHEMAS.validate("config-schema.json",
                JSON.readTree(blob(tmp.resolve("root"), image.config().digest()).toFile())));

        assertEquals(3, log.drafts().size(), "one blob.fetched per blob: " + log.drafts());
        for (EventDraft draft : log.drafts()) {
            assertEquals("blob.fetched", draft.type());
            JsonNode payload = JSON.readTree(draft.payload());
            assertEquals("archive", payload.path("source").asText());
            assertEquals("", payload.path("registry").asText());
        }
        assertEquals(3, progress.size(), progress.toString());
        assertEquals(List.of(), Fixtures.files(tmp.resolve("root/content/ingest")));
    }

    @Test
    void loadsSkopeoOciArchive() throws Exception {
        RecordingEventLog log = new RecordingEventLog();
        List<LoadedImage> images = new TarArchiveStage(tmp.resolve("root"), log).load(ociArchive,
                StageProgress.NONE);

        assertEquals(1, images.size());
        LoadedImage image = images.get(0);
        assertEquals(List.of(), image.tags(), "a bare \"latest\" ref.name names no repository");
        assertEquals(layout.manifest(), image.manifestDigest());
        assertEquals(layout.config(), image.config().digest());
        assertEquals(List.of(layout.layer()), image.layers().stream().map(Descriptor::digest).toList());
        assertEquals(List.of(layout.diffId()), image.diffIds());
        assertStored(tmp.resolve("root"), image);
        assertEquals(3, log.drafts().size());
        assertEquals(List.of(), Fixtures.files(tmp.resolve("root/content/ingest")));
    }

    @Test
    void loadingTwiceKeepsTheStoreAndReportsCached() throws Exception {
        TarArchiveStage stage = new TarArchiveStage(tmp.resolve("root"), new RecordingEventLog());
        stage.load(ociArchive, StageProgress.NONE);
        List<String> statuses = new ArrayList<>();
        stage.load(ociArchive, (item, status, current, total) -> statuses.add(status));
        assertEquals(List.of("cached", "cached", "cached"), statuses);
        assertEquals(3, Fixtures.files(tmp.resolve("root/content/blobs")).size());
    }

    @Test
    void loadsPodmanSavedArchives() throws Exception {
        Path podmanDir = tmp.resolve("podman");
        Fixtures.Run loaded = Fixtures.run(Fixtures.podman(podmanDir, "load", "-q", "-i", dockerArchive.toString()));
        Assumptions.assumeTrue(loaded.exit() == 0, "skipped: podman load fails here: " + loaded.output());
        try {
            for (String format : List.of("docker-archive", "oci-archive")) {
                Path saved = tmp.resolve("podman-" + format + ".tar");
                Fixtures.Run save = Fixtures.run(Fixtures.podman(podmanDir, "save", "-q", "--format", format,
                        "-o", saved.toString(), REFERENCE));
                assertEquals(0, save.exit(), save.output());
                List<LoadedImage> images = new TarArchiveStage(tmp.resolve("root-" + format),
                        new RecordingEventLog()).load(saved, StageProgress.NONE);
                assertEquals(1, images.size(), format);
                LoadedImage image = images.get(0);
                assertEquals(List.of(layout.diffId()), image.diffIds(), format);
                assertEquals(List.of(REFERENCE), image.tags(), format);
                assertStored(tmp.resolve("root-" + format), image);
            }
        } finally {
            Fixtures.run(Fixtures.podman(podmanDir, "rmi", "--all", "--force"));
        }
    }

    @Test
    void savesDockerArchiveThatSkopeoAndPodmanRead() throws Exception {
        TarArchiveStage stage = new TarArchiveStage(tmp.resolve("root"), new RecordingEventLog());
        LoadedImage image = stage.load(ociArchive, StageProgress.NONE).get(0);
        Path target = tmp.resolve("out/docker.tar");
        Files.createDirectories(target.getParent());
        stage.save(List.of(new SaveItem(REFERENCE, image.manifestDigest())), target, ArchiveStage.DOCKER,
                StageProgress.NONE);
        assertEquals(List.of("docker.tar"), Fixtures.files(target.getParent()), "no temporary file is left");

        Fixtures.Run raw = Fixtures.run(List.of("skopeo", "inspect", "--raw", "docker-archive:" + target));
        assertEquals(0, raw.exit(), raw.output());
        JsonNode manifest = JSON.readTree(raw.output());
        assertEquals(layout.config().toString(), manifest.path("config").path("digest").asText());
        assertEquals(layout.diffId().toString(), manifest.path("layers").get(0).path("digest").asText());
        Fixtures.Run inspect = Fixtures.run(List.of("skopeo", "inspect", "docker-archive:" + target));
        assertEquals(0, inspect.exit(), inspect.output());
        assertEquals(layout.diffId().toString(), JSON.readTree(inspect.output()).path("Layers").get(0).asText());

        Path podmanDir = tmp.resolve("podman");
        Fixtures.Run loaded = Fixtures.run(Fixtures.podman(podmanDir, "load", "-i", target.toString()));
        try {
            assertEquals(0, loaded.exit(), loaded.output());
            assertTrue(loaded.output().contains(REFERENCE), loaded.output());
        } finally {
            Fixtures.run(Fixtures.podman(podmanDir, "rmi", "--all", "--force"));
        }
    }

    @Test
    void savesOciArchiveThatSkopeoAndUmociRead() throws Exception {
        TarArchiveStage stage = new TarArchiveStage(tmp.resolve("root"), new RecordingEventLog());
        LoadedImage image = stage.load(dockerArchive, StageProgress.NONE).get(0);
        Path target = tmp.resolve("oci.tar");
        stage.save(List.of(new SaveItem(REFERENCE, image.manifestDigest())), target, ArchiveStage.OCI,
                StageProgress.NONE);

        Fixtures.Run raw = Fixtures.run(List.of("skopeo", "inspect", "--raw", "oci-archive:" + target + ":1"));
        assertEquals(0, raw.exit(), raw.output());
        assertEquals(image.manifestDigest(), BlobStore.sha256(raw.output().getBytes()));

        Path extracted = tmp.resolve("extracted");
        Files.createDirectories(extracted);
        Fixtures.Run untar = Fixtures.run(List.of("tar", "-xf", target.toString(), "-C", extracted.toString()));
        assertEquals(0, untar.exit(), untar.output());
        JsonNode index = JSON.readTree(extracted.resolve("index.json").toFile());
        assertEquals(List.of(), SCHEMAS.validate("image-index-schema.json", index));
        assertEquals(List.of(), SCHEMAS.validate("image-layout-schema.json",
                JSON.readTree(extracted.resolve("oci-layout").toFile())));
        assertEquals(REFERENCE, index.path("manifests").get(0).path("annotations")
                .path("io.containerd.image.name").asText());
        Fixtures.Run unpack = Fixtures.run(List.of("umoci", "unpack", "--image", extracted + ":1",
                tmp.resolve("bundle").toString()));
        assertEquals(0, unpack.exit(), unpack.output());
        assertEquals("hello from the berth archive tests\n",
                Files.readString(tmp.resolve("bundle/rootfs/etc/hello")));
    }

    @Test
    void roundTripsThroughBothFormats() throws Exception {
        TarArchiveStage stage = new TarArchiveStage(tmp.resolve("root"), new RecordingEventLog());
        LoadedImage original = stage.load(ociArchive, StageProgress.NONE).get(0);
        for (String format : List.of(ArchiveStage.DOCKER, ArchiveStage.OCI)) {
            Path saved = tmp.resolve(format + ".tar");
            stage.save(List.of(new SaveItem(REFERENCE, original.manifestDigest())), saved, format,
                    StageProgress.NONE);
            LoadedImage again = new TarArchiveStage(tmp.resolve("root-" + format), new RecordingEventLog())
                    .load(saved, StageProgress.NONE).get(0);
            assertEquals(original.config().digest(), again.config().digest(), format);
            assertEquals(original.diffIds(), again.diffIds(), format);
            assertEquals(List.of(REFERENCE), again.tags(), format);
            Path twice = tmp.resolve(format + "-again.tar");
            stage.save(List.of(new SaveItem(REFERENCE, original.manifestDigest())), twice, format,
                    StageProgress.NONE);
            assertEquals(BlobStore.sha256(Files.readAllBytes(saved)), BlobStore.sha256(Files.readAllBytes(twice)),
                    format + " archives are deterministic");
        }
    }

    @Test
    void dockerSaveRefusesZstdLayersAndLeavesNoTarget() throws Exception {
        Path root = tmp.resolve("root");
        BlobStore store = new BlobStore(root);
        byte[] layer = "not really zstd".getBytes();
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\"" + BlobStore.sha256("x".getBytes()) + "\"]}}").getBytes();
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + "{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + BlobStore.sha256(config)
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER_ZSTD
                + "\",\"digest\":\"" + BlobStore.sha256(layer) + "\",\"size\":" + layer.length + "}]}").getBytes();
        store.put(layer);
        store.put(config);
        store.put(manifest);
        TarArchiveStage stage = new TarArchiveStage(root, new RecordingEventLog());
        Path target = tmp.resolve("out/zstd.tar");
        Files.createDirectories(target.getParent());
        BerthException e = org.junit.jupiter.api.Assertions.assertThrows(BerthException.class, () -> stage.save(
                List.of(new SaveItem(REFERENCE, BlobStore.sha256(manifest))), target, ArchiveStage.DOCKER,
                StageProgress.NONE));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("docker archives need uncompressed layers; save with --format oci"),
                e.getMessage());
        assertEquals(List.of(), Fixtures.files(target.getParent()));
        stage.save(List.of(new SaveItem(REFERENCE, BlobStore.sha256(manifest))), target, ArchiveStage.OCI,
                StageProgress.NONE);
        assertTrue(Files.isRegularFile(target));
    }

    @Test
    void failedEventAppendUndoesTheLoad() throws Exception {
        RecordingEventLog log = new RecordingEventLog();
        log.failAppends(true);
        Path root = tmp.resolve("root");
        BerthException e = org.junit.jupiter.api.Assertions.assertThrows(BerthException.class,
                () -> new TarArchiveStage(root, log).load(dockerArchive, StageProgress.NONE));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("no space left on device"), e.getMessage());
        assertEquals(List.of(), Fixtures.files(root.resolve("content")), "nothing the load added stays");
    }

    @Test
    void saveOfACorruptedBlobLeavesNoTarget() throws Exception {
        Path root = tmp.resolve("root");
        TarArchiveStage stage = new TarArchiveStage(root, new RecordingEventLog());
        LoadedImage image = stage.load(ociArchive, StageProgress.NONE).get(0);
        Path layer = blob(root, image.layers().get(0).digest());
        byte[] bytes = Files.readAllBytes(layer);
        bytes[bytes.length - 1] ^= 1;
        Files.write(layer, bytes);
        Path target = tmp.resolve("out/oci.tar");
        Files.createDirectories(target.getParent());
        BerthException e = org.junit.jupiter.api.Assertions.assertThrows(BerthException.class, () -> stage.save(
                List.of(new SaveItem(REFERENCE, image.manifestDigest())), target, ArchiveStage.OCI,
                StageProgress.NONE));
        assertTrue(e.getMessage().contains(image.layers().get(0).digest().toString()), e.getMessage());
        assertEquals(List.of(), Fixtures.files(target.getParent()), "no archive and no temporary file");
    }

    private static Path blob(Path root, Digest digest) {
        return root.resolve("content/blobs/sha256").resolve(digest.hex());
    }

    private static void assertStored(Path root, LoadedImage image) throws Exception {
        List<Digest> expected = new ArrayList<>();
        expected.add(image.manifestDigest());
        expected.add(image.config().digest());
        image.layers().forEach(l -> expected.add(l.digest()));
        for (Digest digest : expected) {
            Path file = blob(root, digest);
            assertTrue(Files.isRegularFile(file), digest + " is stored");
            assertEquals(digest, BlobStore.sha256(Files.readAllBytes(file)), digest + " content");
        }
        assertEquals(expected.stream().map(Digest::hex).sorted().distinct().toList(),
                Fixtures.files(root.resolve("content/blobs/sha256")), "only referenced blobs are kept");
        assertFalse(Files.list(root.resolve("content/ingest")).findAny().isPresent(), "no partial is left");
    }
}
