package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real docker command-line client driving a container's filesystem against its image through the
 * daemon's Docker API socket: {@code docker diff} of a container that added, changed and deleted files,
 * {@code docker commit} (with a change) and a run of the new image, {@code docker export -o} and
 * {@code docker import} of that tar and a run of the imported image, and {@code docker push} to the demo
 * registry on 127.0.0.1 followed by a {@code docker pull} that names the same digest. The methods run in
 * order and share the container and the images. Skips, printing why, when the docker client is missing or
 * runc cannot run here.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerAnatomyIT extends ContainerTestBase {
    private static final String CONTAINER = "anatomy";
    private static final String COMMITTED = "anatomy-commit:v1";
    private static final String IMPORTED = "anatomy-import:v1";
    private static final Pattern PUSHED_DIGEST = Pattern.compile("v1: digest: (sha256:[0-9a-f]{64}) size: \\d+");
    private static final Pattern PULLED_DIGEST = Pattern.compile("Digest: (sha256:[0-9a-f]{64})");

    @BeforeEach
    void dockerClientAndRuncPresent() throws IOException {
        if (!Files.isExecutable(DockerContainersIT.DOCKER)) {
            System.out.println("SKIPPED (docker): " + DockerContainersIT.DOCKER + " is missing");
            assumeTrue(false, DockerContainersIT.DOCKER + " is missing");
        }
        assumeUsable("runc");
    }

    /** Runs {@code docker args...} and fails, with everything it printed, unless it exits 0. */
    private static Cli.Result ok(String... args) throws IOException, InterruptedException {
        Cli.Result result = DockerContainersIT.docker(args);
        assertEquals(0, result.exit(), "docker " + List.of(args) + ": " + result);
        return result;
    }

    /** Fails when an archive is left in the Docker API's scratch folder (it deletes them in the background). */
    private static void assertScratchEmpty() throws IOException, InterruptedException {
        Path scratch = daemon.root.resolve("tmp/dockerapi");
        List<Path> left = List.of();
        for (int i = 0; i < 50; i++) {
            try (Stream<Path> entries = Files.exists(scratch) ? Files.list(scratch) : Stream.empty()) {
                left = entries.toList();
            }
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        assertEquals(List.of(), left, "archives left in the scratch folder");
    }

    private static String exported() {
        return base.resolve("anatomy-export.tar").toString();
    }

    private static String pushed() {
        return "127.0.0.1:" + registry.port + "/anatomy:v1";
    }

    @Test
    @Order(1)
    void diffShowsWhatTheContainerAddedChangedAndDeleted() throws Exception {
        ok("run", "--name", CONTAINER, image(), "sh", "-c", "echo added > /root/added.txt && "
                + "echo 'extra:x:1000:1000::/:/bin/sh' >> /etc/passwd && rm /etc/group");
        List<String> changes = ok("diff", CONTAINER).stdout().lines().toList();
        for (String expected : List.of("A /root/added.txt", "C /etc/passwd", "D /etc/group")) {
            assertTrue(changes.contains(expected), expected + " missing from " + changes);
        }
        assertTrue(changes.stream().noneMatch(l -> l.endsWith(" /bin/busybox")), "untouched, yet listed: " + changes);

        Cli.Result missing = DockerContainersIT.docker("diff", "no-such-container");
        assertEquals(1, missing.exit(), missing.toString());
        assertTrue(missing.stderr().contains("No such container: no-such-container"), missing.stderr());
    }

    @Test
    @Order(2)
    void commitMakesAnImageWithTheChangesAndTheChangeLines() throws Exception {
        Cli.Result commit = ok("commit", "-c", "ENV ANATOMY=committed", "-m", "anatomy test", CONTAINER, COMMITTED);
        assertTrue(commit.stdout().strip().matches("sha256:[0-9a-f]{64}"), commit.toString());
        String id = ok("image", "inspect", COMMITTED, "--format", "{{.Id}}").stdout().strip();
        assertEquals(commit.stdout().strip(), id);

        Cli.Result run = ok("run", "--rm", COMMITTED, "sh", "-c", "cat /root/added.txt; grep -c '^extra:' /etc/passwd; "
                + "if [ -e /etc/group ]; then echo group-back; else echo group-gone; fi; echo \"$ANATOMY\"");
        assertEquals("added\n1\ngroup-gone\ncommitted\n", run.stdout(), run.toString());
    }

    @Test
    @Order(3)
    void exportWritesTheWholeFilesystemAndLeavesNoScratchFile() throws Exception {
        ok("export", "-o", exported(), CONTAINER);
        Process tar = new ProcessBuilder("tar", "-tf", exported()).redirectErrorStream(true).start();
        String listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, tar.waitFor(), listing);
        List<String> entries = listing.lines().map(l -> l.startsWith("./") ? l.substring(2) : l).toList();
        for (String expected : List.of("root/added.txt", "etc/passwd", "bin/busybox")) {
            assertTrue(entries.contains(expected), expected + " missing from the export: " + entries);
        }
        assertFalse(entries.contains("etc/group"), "the deleted file is in the export: " + entries);
        assertScratchEmpty();
    }

    @Test
    @Order(4)
    void importOfTheExportRuns() throws Exception {
        Cli.Result imported = ok("import", "-c", "CMD [\"/bin/sh\"]", "-m", "from the export", exported(), IMPORTED);
        assertTrue(imported.stdout().strip().matches("sha256:[0-9a-f]{64}"), imported.toString());
        Cli.Result run = ok("run", "--rm", IMPORTED, "/bin/cat", "/root/added.txt");
        assertEquals("added\n", run.stdout(), run.toString());
        Cli.Result gone = DockerContainersIT.docker("run", "--rm", IMPORTED, "/bin/cat", "/etc/group");
        assertTrue(gone.exit() != 0, "the file deleted before the export came back: " + gone);
        assertScratchEmpty();
    }

    @Test
    @Order(5)
    void pushToTheRegistryThenPullNamesTheSameDigest() throws Exception {
        ok("tag", COMMITTED, pushed());
        Cli.Result push = ok("push", pushed());
        assertTrue(push.stdout().contains("The push refers to repository [" + pushed().replace(":v1", "") + "]"),
                push.stdout());
        Matcher pushedDigest = PUSHED_DIGEST.matcher(push.stdout());
        assertTrue(pushedDigest.find(), push.stdout());
        String digest = pushedDigest.group(1);
        String repoDigests = ok("image", "inspect", COMMITTED, "--format", "{{json .RepoDigests}}").stdout();
        assertTrue(repoDigests.contains(digest), "the pushed manifest is the stored one: " + digest + " vs "
                + repoDigests);

        ok("rmi", pushed());
        Cli.Result pull = ok("pull", pushed());
        Matcher pulledDigest = PULLED_DIGEST.matcher(pull.stdout());
        assertTrue(pulledDigest.find(), pull.stdout());
        assertEquals(digest, pulledDigest.group(1), pull.stdout());
        Cli.Result berthPull = berth("pull", pushed());
        assertEquals(0, berthPull.exit(), berthPull.toString());
        assertTrue(berthPull.stdout().contains("Digest: " + digest), berthPull.stdout());

        Cli.Result missing = DockerContainersIT.docker("push", "127.0.0.1:" + registry.port + "/never-made:v1");
        assertEquals(1, missing.exit(), missing.toString());
        String said = missing.stdout() + missing.stderr();
        assertTrue(said.contains("An image does not exist locally with the tag: 127.0.0.1:" + registry.port
                + "/never-made"), said);
    }
}
