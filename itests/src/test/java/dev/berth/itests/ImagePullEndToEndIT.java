package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.schemas.ImageSpecSchemas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull end to end: the demo image built offline from Debian's busybox-static by .ci/demo-image, served by
 * Debian's docker-registry on 127.0.0.1, pulled through the real daemon and CLI.
 */
class ImagePullEndToEndIT {
    static DemoRegistry registry;
    static Path demo;
    static int port;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startRegistryWithTheDemoImage() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "berth daemon must run as root");
        registry = DemoRegistry.start();
        demo = registry.dir;
        port = registry.port;
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    String reference() {
        return registry.busybox();
    }

    static Optional<Path> findBusybox(Path snapshots) throws IOException {
        if (!Files.isDirectory(snapshots)) {
            return Optional.empty();
        }
        try (Stream<Path> paths = Files.walk(snapshots, 4)) {
            return paths.filter(p -> p.endsWith("bin/busybox") && Files.isRegularFile(p)).findFirst();
        }
    }

    @Test
    void pullVerifiesStoresExpandsAndLogsEveryStep() throws Exception {
        try (Daemon daemon = new Daemon(tmp).start()) {
            Cli.Result pull = daemon.cli("pull", reference());
            assertEquals(0, pull.exit(), pull.toString());
            assertTrue(pull.stdout().contains("Digest: sha256:"), pull.stdout());

            Cli.Result images = daemon.cli("images");
            assertEquals(0, images.exit(), images.toString());
            assertTrue(images.stdout().contains("127.0.0.1:" + port + "/busybox"), images.stdout());

            JsonNode inspect = DaemonEndToEndIT.JSON.readTree(daemon.cli("image", "inspect", reference()).stdout());
            String manifestDigest = inspect.get("manifestDigest").asText();
            ImageSpecSchemas spec = new ImageSpecSchemas();
            assertEquals(List.of(), spec.validate("image-manifest-schema.json", inspect.get("manifest")));
            assertEquals(List.of(), spec.validate("config-schema.json", inspect.get("config")));
            assertEquals(1, inspect.get("chainIds").size());

            // Every blob is in the content store under its digest.
            for (JsonNode layer : inspect.path("manifest").path("layers")) {
                Path blob = daemon.root.resolve("content/blobs/sha256").resolve(layer.get("digest").asText().substring(7));
                assertTrue(Files.isRegularFile(blob), blob.toString());
                assertEquals(layer.get("size").asLong(), Files.size(blob));
            }
            Path busybox = findBusybox(daemon.root.resolve("snapshots")).orElseThrow(
                    () -> new AssertionError("no snapshot with bin/busybox under " + daemon.root.resolve("snapshots")));
            assertTrue(Files.isSymbolicLink(busybox.resolveSibling("sh")), "applet symlinks kept");

            List<JsonNode> events = DaemonEndToEndIT.events(daemon);
            DaemonEndToEndIT.assertChained(events);
            List<String> types = events.stream().map(e -> e.get("type").asText()).toList();
            for (String expected : List.of("pull.requested", "manifest.resolved", "blob.fetched", "layer.expanded",
                    "image.pulled", "image.tagged")) {
                assertTrue(types.contains(expected), expected + " missing from " + types);
            }
            assertTrue(types.indexOf("pull.requested") < types.indexOf("manifest.resolved")
                    && types.indexOf("manifest.resolved") < types.indexOf("layer.expanded")
                    && types.indexOf("layer.expanded") < types.indexOf("image.pulled"), types.toString());

            // A second pull fetches nothing from the network.
            assertEquals(0, daemon.cli("pull", reference()).exit());
            List<JsonNode> second = DaemonEndToEndIT.events(daemon).subList(events.size(), DaemonEndToEndIT.events(daemon).size());
            assertTrue(second.stream().filter(e -> e.get("type").asText().equals("blob.fetched"))
                    .allMatch(e -> e.at("/payload/source").asText().equals("cache")), second.toString());

            // The state survives a restart: images come from the log.
            assertEquals(0, daemon.stop());
            daemon.start();
            JsonNode again = DaemonEndToEndIT.JSON.readTree(daemon.cli("images", "--format", "json").stdout());
            assertEquals(manifestDigest, again.at("/images/0/manifestDigest").asText(), again.toString());
        }
    }

    @Test
    void badReferencesAndUnknownImagesFailClearlyBeforeAnyTraffic() throws Exception {
        try (Daemon daemon = new Daemon(tmp).start()) {
            long head = DaemonEndToEndIT.JSON.readTree(daemon.http().get("/v1/info").body()).at("/eventLog/head/sequence").asLong();
            Cli.Result bad = daemon.cli("pull", "127.0.0.1:" + port + "/Busy Box");
            assertNotEquals(0, bad.exit());
            assertTrue(bad.stderr().contains("invalid image reference"), bad.toString());
            long after = DaemonEndToEndIT.JSON.readTree(daemon.http().get("/v1/info").body()).at("/eventLog/head/sequence").asLong();
            assertEquals(head, after, "a rejected reference appended events");

            Cli.Result missing = daemon.cli("pull", "127.0.0.1:" + port + "/nothing-here:latest");
            assertNotEquals(0, missing.exit(), missing.toString());
            assertFalse(missing.stderr().isBlank(), missing.toString());
            List<String> types = DaemonEndToEndIT.events(daemon).stream().map(e -> e.get("type").asText()).toList();
            assertTrue(types.contains("pull.failed"), types.toString());

            Cli.Result otherPlatform = daemon.cli("pull", "--platform", "linux/arm64", reference());
            assertNotEquals(0, otherPlatform.exit(), otherPlatform.toString());
            assertTrue(otherPlatform.stderr().contains("not linux/arm64"), otherPlatform.toString());

            Cli.Result inspect = daemon.cli("image", "inspect", "nothing:latest");
            assertEquals(1, inspect.exit(), inspect.toString());
            assertTrue(inspect.stderr().contains("no such image"), inspect.toString());
        }
    }

    @Test
    void tagRemoveAndPruneKeepTheStoreAndTheLogInStep() throws Exception {
        try (Daemon daemon = new Daemon(tmp).start()) {
            assertEquals(0, daemon.cli("pull", reference()).exit());
            Cli.Result tag = daemon.cli("tag", reference(), "mine/busybox:v1");
            assertEquals(0, tag.exit(), tag.toString());
            assertEquals("docker.io/mine/busybox:v1", tag.stdout().strip());
            JsonNode images = DaemonEndToEndIT.JSON.readTree(daemon.cli("images", "--format", "json").stdout());
            assertEquals(1, images.get("images").size(), "one image, two names: " + images);
            assertEquals(2, images.at("/images/0/tags").size(), images.toString());
            String digest = images.at("/images/0/manifestDigest").asText();

            Cli.Result refused = daemon.cli("image", "rm", digest);
            assertEquals(1, refused.exit(), refused.toString());
            assertTrue(refused.stderr().contains("--force"), refused.toString());

            Cli.Result untag = daemon.cli("image", "rm", "mine/busybox:v1");
            assertEquals(0, untag.exit(), untag.toString());
            assertTrue(untag.stdout().contains("Untagged: docker.io/mine/busybox:v1"), untag.stdout());
            assertFalse(untag.stdout().contains("Deleted"), "the image still has a name: " + untag.stdout());

            // Nothing is pruned while an image refers to it.
            Cli.Result keep = daemon.cli("image", "prune", "--grace", "0");
            assertEquals(0, keep.exit(), keep.toString());
            assertFalse(keep.stdout().contains("Deleted"), keep.stdout());

            Cli.Result remove = daemon.cli("image", "rm", reference());
            assertEquals(0, remove.exit(), remove.toString());
            assertTrue(remove.stdout().contains("Deleted: " + digest), remove.stdout());
            assertEquals(0, DaemonEndToEndIT.JSON.readTree(daemon.cli("images", "--format", "json").stdout())
                    .get("images").size());

            // Within the grace period nothing goes; with none, every blob and snapshot goes.
            assertFalse(daemon.cli("image", "prune").stdout().contains("Deleted"));
            Cli.Result prune = daemon.cli("image", "prune", "--grace", "0");
            assertEquals(0, prune.exit(), prune.toString());
            assertTrue(prune.stdout().contains("Deleted snapshot"), prune.stdout());
            try (Stream<Path> blobs = Files.list(daemon.root.resolve("content/blobs/sha256"));
                    Stream<Path> snapshots = Files.list(daemon.root.resolve("snapshots"))) {
                assertEquals(0, blobs.count());
                assertEquals(0, snapshots.count());
            }
            List<String> types = DaemonEndToEndIT.events(daemon).stream().map(e -> e.get("type").asText()).toList();
            for (String expected : List.of("image.untagged", "image.removed", "images.pruned")) {
                assertTrue(types.contains(expected), expected + " missing from " + types);
            }
            DaemonEndToEndIT.assertChained(DaemonEndToEndIT.events(daemon));

            // A later pull brings everything back.
            assertEquals(0, daemon.cli("pull", reference()).exit());
            assertTrue(findBusybox(daemon.root.resolve("snapshots")).isPresent());
        }
    }

    static Cli.Result run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).start();
        String out = new String(process.getInputStream().readAllBytes());
        String err = new String(process.getErrorStream().readAllBytes());
        return new Cli.Result(process.waitFor(), out, err);
    }

    @Test
    void saveAndLoadRoundTripThroughRealTools() throws Exception {
        try (Daemon daemon = new Daemon(tmp).start()) {
            assertEquals(0, daemon.cli("pull", reference()).exit());
            String digest = DaemonEndToEndIT.JSON.readTree(daemon.cli("images", "--format", "json").stdout())
                    .at("/images/0/id").asText();
            Path docker = tmp.resolve("busybox-docker.tar");
            Path oci = tmp.resolve("busybox-oci.tar");
            Cli.Result saveDocker = daemon.cli("save", "-o", docker.toString(), reference());
            assertEquals(0, saveDocker.exit(), saveDocker.toString());
            Cli.Result saveOci = daemon.cli("save", "-o", oci.toString(), "--format", "oci", reference());
            assertEquals(0, saveOci.exit(), saveOci.toString());

            // skopeo reads both, and sees the same config.
            Cli.Result inspectDocker = run("skopeo", "inspect", "--config", "docker-archive:" + docker);
            assertEquals(0, inspectDocker.exit(), inspectDocker.toString());
            Cli.Result inspectOci = run("skopeo", "inspect", "--config", "oci-archive:" + oci);
            assertEquals(0, inspectOci.exit(), inspectOci.toString());
            assertEquals(DaemonEndToEndIT.JSON.readTree(inspectDocker.stdout()).at("/rootfs/diff_ids"),
                    DaemonEndToEndIT.JSON.readTree(inspectOci.stdout()).at("/rootfs/diff_ids"));

            // Gone from the store, then back from each archive.
            assertEquals(0, daemon.cli("image", "rm", reference()).exit());
            assertEquals(0, daemon.cli("image", "prune", "--grace", "0").exit());
            Cli.Result loadDocker = daemon.cli("load", "-i", docker.toString());
            assertEquals(0, loadDocker.exit(), loadDocker.toString());
            assertTrue(loadDocker.stdout().contains(reference()), loadDocker.stdout());
            assertTrue(findBusybox(daemon.root.resolve("snapshots")).isPresent(), "layers expanded again");
            JsonNode loaded = DaemonEndToEndIT.JSON.readTree(daemon.cli("images", "--format", "json").stdout());
            assertEquals(digest, loaded.at("/images/0/id").asText(), "same config after the round trip");
            Cli.Result loadOci = daemon.cli("load", "-i", oci.toString());
            assertEquals(0, loadOci.exit(), loadOci.toString());

            // An archive made by skopeo loads with its name.
            Path made = tmp.resolve("skopeo.tar");
            Cli.Result copy = run("skopeo", "copy", "--quiet", "oci:" + demo.resolve("busybox-oci") + ":latest",
                    "docker-archive:" + made + ":example.com/demo:1");
            assertEquals(0, copy.exit(), copy.toString());
            Cli.Result loadMade = daemon.cli("load", "-i", made.toString());
            assertEquals(0, loadMade.exit(), loadMade.toString());
            assertTrue(daemon.cli("images").stdout().contains("example.com/demo"), "tag from RepoTags");

            // A hostile archive is refused with its entry named, and adds nothing to the store.
            long blobsBefore;
            try (Stream<Path> blobs = Files.list(daemon.root.resolve("content/blobs/sha256"))) {
                blobsBefore = blobs.count();
            }
            Path hostile = tmp.resolve("hostile.tar");
            Path staging = Files.createDirectories(tmp.resolve("staging"));
            Files.writeString(staging.resolve("manifest.json"), "[]");
            Cli.Result tar = run("tar", "-cf", hostile.toString(), "-C", staging.toString(),
                    "--transform", "s,^,../,", "manifest.json");
            assertEquals(0, tar.exit(), tar.toString());
            Cli.Result refused = daemon.cli("load", "-i", hostile.toString());
            assertEquals(1, refused.exit(), refused.toString());
            assertTrue(refused.stderr().contains(".."), refused.toString());
            try (Stream<Path> blobs = Files.list(daemon.root.resolve("content/blobs/sha256"))) {
                assertEquals(blobsBefore, blobs.count());
            }
            List<String> types = DaemonEndToEndIT.events(daemon).stream().map(e -> e.get("type").asText()).toList();
            assertTrue(types.contains("images.saved") && types.contains("image.loaded"), types.toString());
        }
    }

    /** Writes {@code bytes} as a blob of an OCI layout and returns its descriptor fields. */
    static String[] blob(Path layout, byte[] bytes) throws Exception {
        String hex = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        Files.write(Files.createDirectories(layout.resolve("blobs/sha256")).resolve(hex), bytes);
        return new String[] {"sha256:" + hex, String.valueOf(bytes.length)};
    }

    static String sha256(Path file) throws Exception {
        return "sha256:" + java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesSurviveThePipelineIntoAnOverlayMount() throws Exception {
        // Layer 1: a, d/keep, d/sub/x. Layer 2: deletes a, makes d opaque with d/new.
        Path lower = Files.createDirectories(tmp.resolve("l1"));
        Files.writeString(lower.resolve("a"), "a");
        Files.createDirectories(lower.resolve("d/sub"));
        Files.writeString(lower.resolve("d/keep"), "keep");
        Files.writeString(lower.resolve("d/sub/x"), "x");
        Path upper = Files.createDirectories(tmp.resolve("l2"));
        Files.writeString(upper.resolve(".wh.a"), "");
        Files.createDirectories(upper.resolve("d"));
        Files.writeString(upper.resolve("d/.wh..wh..opq"), "");
        Files.writeString(upper.resolve("d/new"), "new");
        Path layout = Files.createDirectories(tmp.resolve("layout"));
        List<String[]> layers = new java.util.ArrayList<>();
        List<String> diffIds = new java.util.ArrayList<>();
        for (Path dir : List.of(lower, upper)) {
            Path tar = tmp.resolve(dir.getFileName() + ".tar");
            Cli.Result made = run("tar", "--sort=name", "--mtime=@0", "--numeric-owner", "--owner=0", "--group=0",
                    "-C", dir.toString(), "-cf", tar.toString(), ".");
            assertEquals(0, made.exit(), made.toString());
            diffIds.add(sha256(tar));
            assertEquals(0, run("gzip", "-n", tar.toString()).exit());
            layers.add(blob(layout, Files.readAllBytes(Path.of(tar + ".gz"))));
        }
        String[] config = blob(layout, ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\"" + diffIds.get(0) + "\",\"" + diffIds.get(1) + "\"]}}").getBytes());
        StringBuilder layerJson = new StringBuilder();
        for (String[] layer : layers) {
            layerJson.append(layerJson.length() == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",")
                    .append("\"digest\":\"").append(layer[0]).append("\",\"size\":").append(layer[1]).append('}');
        }
        String[] manifest = blob(layout, ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config[0]
                + "\",\"size\":" + config[1] + "},\"layers\":[" + layerJson + "]}").getBytes());
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifest[0] + "\",\"size\":" + manifest[1]
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}");
        String image = "127.0.0.1:" + port + "/layers:v1";
        Cli.Result push = run("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:" + layout + ":v1",
                "docker://" + image);
        assertEquals(0, push.exit(), push.toString());

        try (Daemon daemon = new Daemon(tmp.resolve("berth")).start()) {
            Cli.Result pull = daemon.cli("pull", image);
            assertEquals(0, pull.exit(), pull.toString());
            JsonNode inspect = DaemonEndToEndIT.JSON.readTree(daemon.cli("image", "inspect", image).stdout());
            assertEquals(2, inspect.get("chainIds").size());
            Path bottom = daemon.root.resolve("snapshots").resolve(inspect.at("/chainIds/0").asText().substring(7)).resolve("fs");
            Path top = daemon.root.resolve("snapshots").resolve(inspect.at("/chainIds/1").asText().substring(7)).resolve("fs");
            Path merged = Files.createDirectories(tmp.resolve("merged"));
            Cli.Result mount = run("mount", "-t", "overlay", "overlay", "-o", "ro,lowerdir=" + top + ":" + bottom,
                    merged.toString());
            if (mount.exit() != 0) {
                System.out.println("SKIPPED overlay check: mount failed here: " + mount.stderr());
                assumeTrue(false, "overlay mount failed: " + mount.stderr());
            }
            try {
                assertFalse(Files.exists(merged.resolve("a")), "the whiteout hides a");
                assertTrue(Files.exists(merged.resolve("d/new")));
                assertFalse(Files.exists(merged.resolve("d/keep")), "the opaque directory hides the lower d");
                assertFalse(Files.exists(merged.resolve("d/sub")), "the opaque directory hides the lower d");
            } finally {
                run("umount", merged.toString());
            }
        }
    }

    @Test
    void loginChecksTheRegistryStoresTheLoginPrivatelyAndNeverRecordsThePassword() throws Exception {
        try (Daemon daemon = new Daemon(tmp).start()) {
            String registry = "127.0.0.1:" + port;
            String password = "pw-" + java.util.UUID.randomUUID();
            Cli.Result login = Cli.run(List.of("-H", "unix://" + daemon.socket(), "login", "-u", "demo",
                    "--password-stdin", registry), password + "\n");
            assertEquals(0, login.exit(), login.toString());
            assertTrue(login.stdout().contains("Login Succeeded"), login.stdout());
            Path config = daemon.root.resolve("auth/config.json");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(config)));
            String auth = java.util.Base64.getEncoder().encodeToString(("demo:" + password).getBytes());
            assertTrue(Files.readString(config).contains(auth), "stored like Docker's config.json");
            List<JsonNode> events = DaemonEndToEndIT.events(daemon);
            assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("registry.logged-in")
                    && e.at("/payload/username").asText().equals("demo")), events.toString());
            assertFalse(events.toString().contains(password), "the password is not in the log");
            assertFalse(daemon.output().contains(password), "the password is not in the daemon's output");

            Cli.Result noPassword = Cli.run(List.of("-H", "unix://" + daemon.socket(), "login", "-u", "demo", registry));
            assertEquals(2, noPassword.exit(), noPassword.toString());
            assertTrue(noPassword.stderr().contains("--password-stdin"), noPassword.toString());
            assertEquals(0, daemon.cli("pull", reference()).exit(), "pulls still work with the stored login");
        }
    }
}
