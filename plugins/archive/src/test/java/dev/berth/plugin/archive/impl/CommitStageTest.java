package dev.berth.plugin.archive.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.image.Platform;
import dev.berth.api.stage.ArchiveStage;
import dev.berth.api.stage.BuildRequest;
import dev.berth.api.stage.ImageSettings;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.SaveItem;
import dev.berth.api.stage.StageProgress;
import dev.berth.api.testing.RecordingEventLog;
import dev.berth.schemas.ImageSpecSchemas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The commit stage end to end on a temporary content store: images built on OCI and Docker schema 2 bases
 * and without a base, their configs, manifests and blobs, determinism, refused requests, and the result read
 * by umoci and skopeo.
 */
class CommitStageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ImageSpecSchemas SCHEMAS = new ImageSpecSchemas();
    private static final byte[] BASE_LAYER = new RawTar().directory("etc/").file("etc/base.txt", "base\n").bytes();
    private static final byte[] NEW_LAYER = new RawTar().directory("app/").file("app/new.txt", "new\n")
            .file("etc/.wh.base.txt", new byte[0]).bytes();

    @TempDir
    Path tmp;

    /** One base family: whether the base is Docker schema 2, and the media types the new image must have. */
    record Family(boolean docker, String manifest, String config, String layer) {
    }

    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of(Named.of("OciBase", new Family(false, MediaTypes.OCI_MANIFEST, MediaTypes.OCI_CONFIG,
                        MediaTypes.OCI_LAYER_GZIP))),
                Arguments.of(Named.of("DockerSchema2Base", new Family(true, MediaTypes.DOCKER_MANIFEST,
                        MediaTypes.DOCKER_CONFIG, MediaTypes.DOCKER_LAYER_GZIP))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void buildsOnABaseKeepingItsFamilyLayersAndUnknownFields(Family family) throws Exception {
        Path root = tmp.resolve("root");
        BlobStore store = new BlobStore(root);
        BaseImages.Base base = BaseImages.put(store, family.docker(), BASE_LAYER);
        Path layer = BaseImages.write(tmp, "layer.tar", NEW_LAYER);
        ImageSettings settings = new ImageSettings(null, List.of("/entry"),
                List.of("PATH=/usr/bin", "KEEP=1", "FROM_CONTAINER=1"), null, "app", Map.of("z", "1", "a", "2"));
        List<String> statuses = new ArrayList<>();

        LoadedImage image = new TarCommitStage(root).build(BaseImages.request(layer, base.manifest(), settings,
                List.of("ENV ADDED=yes", "EXPOSE 8080")), (item, status, current, total) -> statuses.add(status));

        assertEquals(List.of(), image.tags());
        assertEquals(family.manifest(), image.mediaType());
        assertEquals(new Platform("linux", "arm64", "v8"), image.platform());
        Digest diffId = BlobStore.sha256(NEW_LAYER);
        assertEquals(List.of(base.diffId(), diffId), image.diffIds());
        assertEquals(new Descriptor(family.layer(), base.layer(), base.layerSize()), image.layers().get(0));
        Descriptor added = image.layers().get(1);
        assertEquals(family.layer(), added.mediaType());
        byte[] layerBlob = BaseImages.blob(root, added.digest());
        assertEquals(layerBlob.length, added.size());
        assertEquals(diffId, BlobStore.sha256(BaseImages.gunzip(layerBlob)), "the blob is the gzipped layer");

        byte[] manifestBytes = BaseImages.blob(root, image.manifestDigest());
        JsonNode manifest = JSON.readTree(manifestBytes);
        assertEquals(2, manifest.path("schemaVersion").asInt());
        assertEquals(family.manifest(), manifest.path("mediaType").asText());
        assertEquals(family.config(), image.config().mediaType());
        assertEquals(JSON.readTree("{\"mediaType\":\"" + family.config() + "\",\"digest\":\"" + image.config().digest()
                + "\",\"size\":" + image.config().size() + "}"), manifest.path("config"));
        assertEquals(2, manifest.path("layers").size());
        assertEquals("verbatim", manifest.path("layers").get(0).path("annotations").path("org.example.kept").asText(),
                "base layer descriptors are copied as they were");
        assertEquals(added.digest().toString(), manifest.path("layers").get(1).path("digest").asText());

        byte[] configBytes = BaseImages.blob(root, image.config().digest());
        assertEquals(configBytes.length, image.config().size());
        JsonNode config = JSON.readTree(configBytes);
        assertEquals("2024-05-06T07:08:09Z", config.path("created").asText());
        assertEquals("Ann Author <ann@example.com>", config.path("author").asText());
        assertEquals(JSON.readTree("[\"" + base.diffId() + "\",\"" + diffId + "\"]"),
                config.path("rootfs").path("diff_ids"));
        assertEquals(JSON.readTree("[{\"created\":\"2020-01-01T00:00:00Z\",\"created_by\":\"base layer\"},"
                + "{\"created\":\"2024-05-06T07:08:09Z\",\"created_by\":\"berth commit c0ffee\",\"comment\":"
                + "\"a comment\",\"author\":\"Ann Author <ann@example.com>\"}]"), config.path("history"));
        JsonNode run = config.path("config");
        assertEquals(JSON.readTree("[\"sh\"]"), run.path("Cmd"), "a null setting keeps the base's");
        assertEquals(JSON.readTree("[\"/entry\"]"), run.path("Entrypoint"));
        assertEquals(JSON.readTree("[\"PATH=/usr/bin\",\"KEEP=1\",\"FROM_CONTAINER=1\",\"ADDED=yes\"]"),
                run.path("Env"));
        assertEquals("/srv", run.path("WorkingDir").asText());
        assertEquals("app", run.path("User").asText());
        assertEquals(JSON.readTree("{\"a\":\"2\",\"z\":\"1\"}"), run.path("Labels"));
        assertEquals(JSON.readTree("{\"22/tcp\":{},\"8080/tcp\":{}}"), run.path("ExposedPorts"));
        assertTrue(new String(configBytes, StandardCharsets.UTF_8).contains("\"x_unknown\":{\"kept\":[1,2.50]}"),
                "unknown fields are kept exactly: " + new String(configBytes, StandardCharsets.UTF_8));
        if (family.docker()) {
            assertEquals("24.0.0", config.path("docker_version").asText());
            assertEquals(JSON.readTree("{\"Cmd\":[\"true\"]}"), config.path("container_config"));
        } else {
            assertEquals(List.of(), SCHEMAS.validate("image-manifest-schema.json", manifest));
            assertEquals(List.of(), SCHEMAS.validate("config-schema.json", config));
        }
        List<String> expected = new ArrayList<>(List.of(base.manifest().hex(), base.config().hex(),
                base.layer().hex(), image.manifestDigest().hex(), image.config().digest().hex(), added.digest().hex()));
        expected.sort(null);
        assertEquals(expected, Fixtures.files(root.resolve("content/blobs/sha256")));
        assertEquals(List.of(), Fixtures.files(root.resolve("content/ingest")));
        assertTrue(statuses.containsAll(List.of("compressed layer", "writing config", "writing manifest")),
                statuses.toString());
    }

    @Test
    void theSameRequestGivesTheSameDigests() throws Exception {
        Path root = tmp.resolve("root");
        BaseImages.Base base = BaseImages.put(new BlobStore(root), false, BASE_LAYER);
        Path other = tmp.resolve("other");
        BaseImages.put(new BlobStore(other), false, BASE_LAYER);
        Path layer = BaseImages.write(tmp, "layer.tar", NEW_LAYER);
        BuildRequest request = BaseImages.request(layer, base.manifest(),
                new ImageSettings(List.of("run"), null, null, "/w", null, Map.of("b", "1", "a", "2", "c", "3")),
                List.of("LABEL d=4", "VOLUME /data"));

        LoadedImage first = new TarCommitStage(root).build(request, StageProgress.NONE);
        LoadedImage again = new TarCommitStage(root).build(request, StageProgress.NONE);
        LoadedImage elsewhere = new TarCommitStage(other).build(request, StageProgress.NONE);

        assertEquals(first, again);
        assertEquals(first, elsewhere);
        assertEquals(List.of(), Fixtures.files(root.resolve("content/ingest")));
        BuildRequest later = new BuildRequest(layer, base.manifest(), null, request.config(), request.changes(),
                request.createdBy(), request.comment(), request.author(), BaseImages.CREATED.plusSeconds(1));
        LoadedImage newer = new TarCommitStage(root).build(later, StageProgress.NONE);
        assertNotEquals(first.manifestDigest(), newer.manifestDigest(), "created is part of the image");
        assertEquals(first.layers(), newer.layers(), "the layer blob depends on the tar alone");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void importsATarWithoutABase(boolean gzip) throws Exception {
        Path root = tmp.resolve("root");
        byte[] tar = new RawTar().directory("bin/").file("bin/app", "#!/bin/sh\n").symlink("bin/sh", "/bin/busybox")
                .bytes();
        Path layer = BaseImages.write(tmp, "import.tar", gzip ? BaseImages.gzip(tar) : tar);
        BuildRequest request = new BuildRequest(layer, null, new Platform("linux", "amd64", null),
                new ImageSettings(List.of("/bin/app"), null, List.of("A=1"), null, null, null),
                List.of("WORKDIR /bin", "LABEL imported=true"), "", "", "", BaseImages.CREATED);

        LoadedImage image = new TarCommitStage(root).build(request, StageProgress.NONE);

        Digest diffId = BlobStore.sha256(tar);
        assertEquals(List.of(diffId), image.diffIds(), "the diff id is of the uncompressed tar");
        assertEquals(MediaTypes.OCI_MANIFEST, image.mediaType());
        assertEquals(new Platform("linux", "amd64", null), image.platform());
        assertEquals(1, image.layers().size());
        assertEquals(MediaTypes.OCI_LAYER_GZIP, image.layers().get(0).mediaType());
        assertEquals(BlobStore.sha256(BaseImages.gzip(tar)), image.layers().get(0).digest(),
                "plain and gzip input store the same deterministic gzip blob");
        JsonNode config = JSON.readTree(BaseImages.blob(root, image.config().digest()));
        assertEquals(JSON.readTree("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":"
                + "\"2024-05-06T07:08:09Z\",\"config\":{\"Cmd\":[\"/bin/app\"],\"Env\":[\"A=1\"],\"WorkingDir\":"
                + "\"/bin\",\"Labels\":{\"imported\":\"true\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + diffId + "\"]},\"history\":[{\"created\":\"2024-05-06T07:08:09Z\",\"created_by\":\"\"}]}"), config,
                "no author, no comment, nothing else");
        JsonNode manifest = JSON.readTree(BaseImages.blob(root, image.manifestDigest()));
        assertEquals(List.of(), SCHEMAS.validate("image-manifest-schema.json", manifest));
        assertEquals(List.of(), SCHEMAS.validate("config-schema.json", config));
        assertEquals(3, Fixtures.files(root.resolve("content/blobs/sha256")).size());
    }

    @Test
    void anEmptyLayerMakesAnImageToo() throws Exception {
        Path root = tmp.resolve("root");
        BaseImages.Base base = BaseImages.put(new BlobStore(root), false, BASE_LAYER);
        Path layer = BaseImages.write(tmp, "empty.tar", new byte[1024]);
        LoadedImage image = new TarCommitStage(root).build(BaseImages.request(layer, base.manifest(), null, List.of()),
                StageProgress.NONE);
        assertEquals(BlobStore.sha256(new byte[1024]), image.diffIds().get(1));
    }

    /** A request that must be refused: how to make it, the kind and what the message must say. */
    record Refused(Function<Setup, BuildRequest> request, ErrorKind kind, String message) {
    }

    /** What a refused request can be made from: a stored base, a good layer file and the work folder. */
    record Setup(BaseImages.Base base, Path layer, Path tmp) {
    }

    static Stream<Arguments> refused() throws Exception {
        byte[] gz = BaseImages.gzip(NEW_LAYER);
        byte[] cut = java.util.Arrays.copyOf(gz, gz.length / 2);
        Digest absent = BlobStore.sha256("no such manifest".getBytes(StandardCharsets.UTF_8));
        return Stream.of(
                refused("BaseNotStored", s -> BaseImages.request(s.layer(), absent, null, List.of()),
                        ErrorKind.NOT_FOUND, "commit: base image: manifest " + absent + ": not in the content store"),
                refused("BaseIsAConfig", s -> BaseImages.request(s.layer(), s.base().config(), null, List.of()),
                        ErrorKind.INVALID, "not an image manifest"),
                refused("LayerFileMissing", s -> BaseImages.request(s.tmp().resolve("missing.tar"), s.base().manifest(),
                        null, List.of()), ErrorKind.NOT_FOUND, "missing.tar: no such file"),
                refused("BadChange", s -> BaseImages.request(s.layer(), s.base().manifest(), null,
                        List.of("ENV OK=1", "RUN rm -rf /")), ErrorKind.INVALID,
                        "commit: change \"RUN rm -rf /\": RUN is not a valid change"),
                refused("NotATar", s -> BaseImages.request(write(s, "junk.tar", "just some text".repeat(100)),
                        s.base().manifest(), null, List.of()), ErrorKind.INVALID, "not a complete plain or gzip tar"),
                refused("TruncatedGzip", s -> BaseImages.request(write(s, "cut.tar.gz", cut), s.base().manifest(), null,
                        List.of()), ErrorKind.INVALID, "not a complete plain or gzip tar"),
                refused("Zstd", s -> BaseImages.request(write(s, "layer.tar.zst", new byte[] {0x28, (byte) 0xb5, 0x2f,
                        (byte) 0xfd, 0, 0}), s.base().manifest(), null, List.of()), ErrorKind.INVALID,
                        "zstd layers are not supported"));
    }

    private static Arguments refused(String name, Function<Setup, BuildRequest> request, ErrorKind kind,
            String message) {
        return Arguments.of(Named.of(name, new Refused(request, kind, message)));
    }

    private static Path write(Setup s, String name, String text) {
        return write(s, name, text.getBytes(StandardCharsets.UTF_8));
    }

    private static Path write(Setup s, String name, byte[] bytes) {
        try {
            return BaseImages.write(s.tmp(), name, bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedRequestsLeaveTheStoreAsItWas(Refused refused) throws Exception {
        Path root = tmp.resolve("root");
        BaseImages.Base base = BaseImages.put(new BlobStore(root), false, BASE_LAYER);
        Path layer = BaseImages.write(tmp, "layer.tar", NEW_LAYER);
        List<String> before = Fixtures.files(root.resolve("content"));

        BerthException e = assertThrows(BerthException.class, () -> new TarCommitStage(root)
                .build(refused.request().apply(new Setup(base, layer, tmp)), StageProgress.NONE));

        assertEquals(refused.kind(), e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("commit: "), e.getMessage());
        assertTrue(e.getMessage().contains(refused.message()), e.getMessage());
        assertEquals(before, Fixtures.files(root.resolve("content")), "no new blob and no partial file");
    }

    @Test
    void umociAndSkopeoReadTheCommittedImage() throws Exception {
        Path base = tmp.resolve("base-rootfs");
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/kept.txt"), "from the base\n");
        Files.writeString(base.resolve("etc/gone.txt"), "deleted by the new layer\n");
        Path upper = tmp.resolve("new-rootfs");
        Files.createDirectories(upper.resolve("etc"));
        Files.createDirectories(upper.resolve("app"));
        Files.writeString(upper.resolve("app/added.txt"), "from the new layer\n");
        Files.createFile(upper.resolve("etc/.wh.gone.txt"));
        Path root = tmp.resolve("root");
        BaseImages.Base stored = BaseImages.put(new BlobStore(root), false, Files.readAllBytes(gnuTar(base, "b.tar")));
        Path layer = gnuTar(upper, "l.tar");

        LoadedImage image = new TarCommitStage(root).build(BaseImages.request(layer, stored.manifest(), null,
                List.of("LABEL checked.by=umoci")), StageProgress.NONE);

        Path layout = ociLayout(root, image, "commit");
        Path bundle = tmp.resolve("bundle");
        Fixtures.Run unpack = Fixtures.run(List.of("umoci", "unpack", "--image", layout + ":commit",
                bundle.toString()));
        assertEquals(0, unpack.exit(), unpack.output());
        assertEquals("from the new layer\n", Files.readString(bundle.resolve("rootfs/app/added.txt")));
        assertEquals("from the base\n", Files.readString(bundle.resolve("rootfs/etc/kept.txt")));
        assertFalse(Files.exists(bundle.resolve("rootfs/etc/gone.txt")), "the whiteout deleted the base's file");
        assertFalse(Files.exists(bundle.resolve("rootfs/etc/.wh.gone.txt")));

        Fixtures.Run inspect = Fixtures.run(List.of("skopeo", "inspect", "oci:" + layout + ":commit"));
        assertEquals(0, inspect.exit(), inspect.output());
        JsonNode inspected = JSON.readTree(inspect.output());
        assertEquals(image.manifestDigest().toString(), inspected.path("Digest").asText());
        assertEquals(JSON.readTree("[\"" + stored.layer() + "\",\"" + image.layers().get(1).digest() + "\"]"),
                inspected.path("Layers"));
        assertEquals("umoci", inspected.path("Labels").path("checked.by").asText());
    }

    @Test
    void theDockerFamilyResultSavesAsADockerArchiveSkopeoReads() throws Exception {
        Path root = tmp.resolve("root");
        BaseImages.Base base = BaseImages.put(new BlobStore(root), true, BASE_LAYER);
        LoadedImage image = new TarCommitStage(root).build(BaseImages.request(BaseImages.write(tmp, "l.tar",
                NEW_LAYER), base.manifest(), null, List.of("LABEL family=docker")), StageProgress.NONE);
        // skopeo's OCI layouts skip Docker media types, so the image goes out the way docker save writes it; the
        // save itself checks each layer's uncompressed bytes against the config's diff ids.
        Path archive = tmp.resolve("docker.tar");
        new TarArchiveStage(root, new RecordingEventLog()).save(List.of(new SaveItem("example.com/committed:1",
                image.manifestDigest())), archive, ArchiveStage.DOCKER, StageProgress.NONE);

        Fixtures.Run inspect = Fixtures.run(List.of("skopeo", "inspect", "docker-archive:" + archive));
        assertEquals(0, inspect.exit(), inspect.output());
        JsonNode inspected = JSON.readTree(inspect.output());
        assertEquals(JSON.readTree("[\"" + base.diffId() + "\",\"" + BlobStore.sha256(NEW_LAYER) + "\"]"),
                inspected.path("Layers"));
        assertEquals("docker", inspected.path("Labels").path("family").asText());
        assertEquals("arm64", inspected.path("Architecture").asText());
    }

    private Path gnuTar(Path dir, String name) throws Exception {
        Path out = tmp.resolve(name);
        Fixtures.Run tar = Fixtures.run(List.of("tar", "--sort=name", "--mtime=@0", "--numeric-owner", "--owner=0",
                "--group=0", "-C", dir.toString(), "-cf", out.toString(), "."));
        assertEquals(0, tar.exit(), tar.output());
        return out;
    }

    /** Lays {@code image} out as an OCI image layout tagged {@code tag}, its blobs hard-linked from the store. */
    private Path ociLayout(Path root, LoadedImage image, String tag) throws Exception {
        Path layout = tmp.resolve("layout-" + tag);
        Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
        List<Digest> digests = new ArrayList<>(List.of(image.manifestDigest(), image.config().digest()));
        image.layers().forEach(l -> digests.add(l.digest()));
        for (Digest d : digests) {
            Files.createLink(blobs.resolve(d.hex()), root.resolve("content/blobs/sha256").resolve(d.hex()));
        }
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
                + "\",\"manifests\":[{\"mediaType\":\"" + image.mediaType() + "\",\"digest\":\"" + image.manifestDigest()
                + "\",\"size\":" + Files.size(blobs.resolve(image.manifestDigest().hex())) + ",\"annotations\":{"
                + "\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
        return layout;
    }
}
