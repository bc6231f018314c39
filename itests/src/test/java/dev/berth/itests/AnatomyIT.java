package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Container anatomy end to end through the CLI, on a real daemon, runc, overlayfs and registry: a container
 * that adds, changes and deletes files and replaces a directory wholesale; {@code diff} lists it;
 * {@code commit} then {@code run} shows the same tree with the deletions kept; umoci reads the committed
 * image after a {@code push}; {@code export} equals the container's tree; {@code import} then {@code run}
 * works; a push pulled into a fresh Berth root and by podman gives the same digest; hostile import
 * archives are refused and leave nothing behind.
 */
class AnatomyIT extends ContainerTestBase {
    /** The image with /data/{a,b}, committed once for the whole class. */
    private static String withData;

    @TempDir
    Path tmp;

    @BeforeAll
    static void commitAnImageWithAFolder() throws Exception {
        assertEquals(0, berth("run", "--name", "anat-base", image(), "sh", "-c",
                "mkdir /data && echo a > /data/a && echo b > /data/b").exit());
        Cli.Result commit = berth("commit", "-m", "a folder to replace", "anat-base", "anatomy/base:1");
        assertEquals(0, commit.exit(), commit.toString());
        assertTrue(commit.lines().get(commit.lines().size() - 1).matches("sha256:[0-9a-f]{64}"), commit.toString());
        withData = "anatomy/base:1";
        assertEquals(0, berth("rm", "anat-base").exit());
    }

    /** Runs the changes every test starts from, in a container named {@code name} left stopped. */
    private static void makeChanges(String name) throws Exception {
        Cli.Result run = berth("run", "--name", name, withData, "sh", "-c",
                "echo new > /added && echo changed >> /etc/passwd && rm /etc/group"
                        + " && rm -rf /data && mkdir /data && echo n > /data/new && ln -s /added /link");
        assertEquals(0, run.exit(), run.toString());
    }

    private static List<String> diff(String name) throws Exception {
        Cli.Result diff = berth("diff", name);
        assertEquals(0, diff.exit(), diff.toString());
        return diff.lines();
    }

    @Test
    void diffListsAddedChangedDeletedAndAReplacedFolderButNoRuntimePlaceholders() throws Exception {
        makeChanges("anat-diff");
        List<String> lines = diff("anat-diff");
        for (String expected : List.of("A /added", "C /etc", "C /etc/passwd", "D /etc/group", "A /link",
                "A /data/new", "D /data/a", "D /data/b")) {
            assertTrue(lines.contains(expected), expected + " missing from " + lines);
        }
        assertTrue(lines.contains("C /data") || lines.contains("A /data"), lines.toString());
        for (String line : lines) {
            assertFalse(line.endsWith(" /etc/hosts") || line.endsWith(" /etc/resolv.conf")
                    || line.endsWith(" /etc/hostname") || line.endsWith(" /proc") || line.endsWith(" /sys")
                    || line.endsWith(" /dev"), "a runtime mount point is not a change: " + lines);
        }
        assertEquals(lines.stream().sorted().toList().size(), new TreeSet<>(lines).size(), "no line twice: " + lines);
        JsonNode json = JSON.readTree(berth("diff", "--format", "json", "anat-diff").stdout());
        assertEquals(lines.size(), json.size(), json.toString());
        assertEquals(0, berth("rm", "anat-diff").exit());
    }

    @Test
    void commitThenRunShowsTheSameTreeWithDeletionsKeptAndTheContainersSettings() throws Exception {
        makeChanges("anat-commit");
        Cli.Result commit = berth("commit", "-m", "changed things", "-a", "Berth Tests <tests@berth.dev>",
                "-c", "ENV GREETING=hello", "-c", "LABEL stage=anatomy", "anat-commit", "anatomy/changed:1");
        assertEquals(0, commit.exit(), commit.toString());
        Cli.Result tree = berth("run", "--rm", "anatomy/changed:1", "sh", "-c",
                "cat /added; tail -n1 /etc/passwd; ls /data; readlink /link; echo $GREETING;"
                        + " test -e /etc/group && echo group-is-back; test -e /data/a && echo a-is-back; true");
        assertEquals(0, tree.exit(), tree.toString());
        assertEquals(List.of("new", "changed", "new", "/added", "hello"), tree.lines());

        JsonNode inspect = JSON.readTree(berth("image", "inspect", "anatomy/changed:1").stdout());
        JsonNode config = inspect.path("config");
        assertEquals(3, config.path("rootfs").path("diff_ids").size(), "base layer + 2 commits: " + config);
        JsonNode last = config.path("history").get(config.path("history").size() - 1);
        assertEquals("changed things", last.path("comment").asText(), last.toString());
        assertEquals("Berth Tests <tests@berth.dev>", last.path("author").asText(), last.toString());
        assertEquals("anatomy", config.path("config").path("Labels").path("stage").asText(), config.toString());
        // The container's command becomes the image's, as docker commit does.
        assertEquals("sh", config.path("config").path("Cmd").get(0).asText(), config.toString());

        JsonNode history = JSON.readTree(berth("history", "anat-commit", "--format", "json").stdout());
        assertTrue(history.toString().contains("image.committed"), history.toString());
        assertEquals(0, berth("rm", "anat-commit").exit());
    }

    @Test
    void aCommitWithPauseFreezesARunningContainerAndThawsItAfter() throws Exception {
        assertEquals(0, berth("run", "-d", "--name", "anat-pause", withData, "sh", "-c",
                "echo live > /live; sleep 60").exit());
        Cli.Result commit = berth("commit", "--pause", "-c", "CMD [\"cat\", \"/live\"]", "anat-pause",
                "anatomy/paused:1");
        assertEquals(0, commit.exit(), commit.toString());
        Cli.Result exec = berth("exec", "anat-pause", "echo", "still-running");
        assertEquals(0, exec.exit(), "thawed after the commit: " + exec);
        Cli.Result run = berth("run", "--rm", "anatomy/paused:1");
        assertEquals(List.of("live"), run.lines(), run.toString());
        String history = berth("history", "anat-pause").stdout();
        assertTrue(history.contains("paused for commit") && history.contains("unpaused after commit"), history);
        assertEquals(0, berth("rm", "-f", "anat-pause").exit());
    }

    @Test
    void exportEqualsTheContainersTreeAndImportRunsIt() throws Exception {
        assertEquals(0, berth("run", "-d", "--name", "anat-export", withData, "sh", "-c",
                "echo new > /added && rm /etc/group && sleep 60").exit());
        Path tar = tmp.resolve("export.tar");
        Cli.Result export = berth("export", "-o", tar.toString(), "anat-export");
        assertEquals(0, export.exit(), export.toString());
        Cli.Result inside = berth("exec", "anat-export", "find", "/", "-xdev");
        assertEquals(0, inside.exit(), inside.toString());
        Set<String> expected = inside.lines().stream().filter(p -> !p.equals("/")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> exported = tarList(tar);
        assertEquals(expected, exported);

        Cli.Result imported = berth("import", "-c", "CMD [\"cat\", \"/added\"]", "-m", "from an export",
                tar.toString(), "anatomy/imported:1");
        assertEquals(0, imported.exit(), imported.toString());
        Cli.Result run = berth("run", "--rm", "anatomy/imported:1");
        assertEquals(List.of("new"), run.lines(), run.toString());
        Cli.Result group = berth("run", "--rm", "anatomy/imported:1", "test", "-e", "/etc/group");
        assertEquals(1, group.exit(), "deleted before the export: " + group);
        assertEquals(0, berth("rm", "-f", "anat-export").exit());
    }

    @Test
    void importFromStandardInput() throws Exception {
        Path tar = tmp.resolve("one.tar");
        Files.write(tar, Tars.of(Tars.file("hello.txt", "hi\n"), Tars.file("bin/busybox",
                Files.readAllBytes(Path.of("/bin/busybox")), 0755)));
        Cli.Result imported = Cli.exec(List.of("bash", "-c", Daemon.BERTH + " -H unix://" + daemon.socket()
                + " import - anatomy/stdin:1 < " + tar), Map.of(), List.of(), null, 60);
        assertEquals(0, imported.exit(), imported.toString());
        Cli.Result run = berth("run", "--rm", "anatomy/stdin:1", "/bin/busybox", "cat", "/hello.txt");
        assertEquals(List.of("hi"), run.lines(), run.toString());
    }

    static Stream<Arguments> hostileArchives() {
        return Stream.of(
                Arguments.of("absolute path", Tars.of(Tars.file("/etc/berth-escape", "x")), "/etc/berth-escape"),
                Arguments.of("parent escape", Tars.of(Tars.file("../berth-escape", "x")), "../berth-escape"),
                Arguments.of("escape after a folder", Tars.of(Tars.file("a/../../berth-escape", "x")),
                        "a/../../berth-escape"),
                Arguments.of("hard link out of the tree", Tars.of(Tars.hardLink("evil", "../../../etc/passwd")),
                        "evil"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileArchives")
    void hostileImportArchivesAreRefusedNamingTheEntryAndLeaveNothing(String name, byte[] archive, String entry)
            throws Exception {
        Path tar = tmp.resolve("hostile.tar");
        Files.write(tar, archive);
        Set<String> blobsBefore = files(daemon.root.resolve("content/blobs/sha256"));
        Set<String> snapshotsBefore = files(daemon.root.resolve("snapshots"));
        Cli.Result imported = berth("import", tar.toString(), "anatomy/hostile:1");
        assertEquals(1, imported.exit(), imported.toString());
        assertTrue(imported.stderr().contains(entry), "the error names the entry " + entry + ": " + imported);
        assertEquals(blobsBefore, files(daemon.root.resolve("content/blobs/sha256")), "no blob left");
        assertEquals(snapshotsBefore, files(daemon.root.resolve("snapshots")), "no snapshot left");
        assertEquals(Set.of(), files(daemon.root.resolve("tmp")), "no scratch file left");
        assertFalse(Files.exists(Path.of("/etc/berth-escape")) || Files.exists(daemon.root.resolve("berth-escape")));
        assertEquals(1, berth("image", "inspect", "anatomy/hostile:1").exit(), "no image named");
        assertTrue(berth("ps", "-a").exit() == 0, "the daemon still serves");
    }

    @Test
    void pushThenPullIntoAFreshRootAndWithPodmanGivesTheSameDigestAndUmociReadsIt() throws Exception {
        makeChanges("anat-push");
        String target = "127.0.0.1:" + registry.port + "/anatomy/pushed:1";
        assertEquals(0, berth("commit", "anat-push", target).exit());
        String digest = JSON.readTree(berth("image", "inspect", target).stdout()).path("manifestDigest").asText();
        Cli.Result push = berth("push", target);
        assertEquals(0, push.exit(), push.toString());
        assertTrue(push.stdout().contains("Digest: " + digest), push.toString());
        Cli.Result again = berth("push", target);
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.stdout().contains("(0 uploaded"), "every blob is there already: " + again);

        try (Daemon fresh = new Daemon(Files.createTempDirectory(base, "fresh-")).start()) {
            Cli.Result pull = fresh.cli("pull", target);
            assertEquals(0, pull.exit(), pull.toString());
            assertTrue(pull.stdout().contains("Digest: " + digest), pull.toString());
            Cli.Result run = fresh.cli("run", "--rm", target, "sh", "-c", "cat /added; ls /data");
            assertEquals(List.of("new", "new"), run.lines(), run.toString());
        }

        Path podman = tmp.resolve("podman");
        List<String> podmanArgs = List.of("podman", "--root", podman.resolve("root").toString(), "--runroot",
                podman.resolve("run").toString(), "--storage-driver", "vfs");
        List<String> pull = new ArrayList<>(podmanArgs);
        pull.addAll(List.of("pull", "--tls-verify=false", "-q", target));
        Cli.Result podmanPull = Cli.exec(pull, Map.of(), List.of(), null, 120);
        assertEquals(0, podmanPull.exit(), podmanPull.toString());
        List<String> inspect = new ArrayList<>(podmanArgs);
        inspect.addAll(List.of("image", "inspect", "--format", "{{.Digest}}", target));
        Cli.Result podmanDigest = Cli.exec(inspect, Map.of(), List.of(), null, 60);
        assertEquals(digest, podmanDigest.stdout().trim(), podmanDigest.toString());

        Path layout = tmp.resolve("layout");
        Cli.Result copy = Cli.exec(List.of("skopeo", "copy", "--src-tls-verify=false", "docker://" + target,
                "oci:" + layout + ":pushed"), Map.of(), List.of(), null, 120);
        assertEquals(0, copy.exit(), copy.toString());
        Path bundle = tmp.resolve("bundle");
        Cli.Result unpack = Cli.exec(List.of("umoci", "unpack", "--image", layout + ":pushed", bundle.toString()),
                Map.of(), List.of(), null, 120);
        assertEquals(0, unpack.exit(), unpack.toString());
        Path rootfs = bundle.resolve("rootfs");
        assertEquals("new\n", Files.readString(rootfs.resolve("added")));
        assertTrue(Files.exists(rootfs.resolve("data/new")));
        assertFalse(Files.exists(rootfs.resolve("data/a")), "the opaque folder hides the base's files");
        assertFalse(Files.exists(rootfs.resolve("etc/group")), "the whiteout deletes the base's file");
        assertEquals(0, berth("rm", "anat-push").exit());

        // Every event so far (commits, pushes, blob.pushed, exports, imports...) is chained and schema-valid.
        List<JsonNode> all = DaemonEndToEndIT.events(daemon);
        DaemonEndToEndIT.assertChained(all);
        Set<String> types = all.stream().map(e -> e.path("type").asText()).collect(Collectors.toSet());
        assertTrue(types.containsAll(List.of("image.committed", "blob.pushed", "image.pushed")), types.toString());
    }

    @Test
    void aPushThatCannotReachItsRegistryFailsClearlyAndIsLogged() throws Exception {
        String target = "127.0.0.1:1/anatomy/nowhere:1";
        assertEquals(0, berth("tag", withData, target).exit());
        Cli.Result push = berth("push", target);
        assertEquals(1, push.exit(), push.toString());
        assertTrue(push.stderr().contains("127.0.0.1:1"), "names the registry: " + push);
        String history = berth("history", target).stdout();
        assertTrue(history.contains("push of " + target + " failed"), history);
    }

    @Test
    void anatomyOfAMissingContainerIsAClearError() throws Exception {
        for (List<String> args : List.of(List.of("diff", "anat-none"), List.of("commit", "anat-none"),
                List.of("export", "-o", tmp.resolve("x.tar").toString(), "anat-none"))) {
            Cli.Result result = berth(args);
            assertEquals(1, result.exit(), result.toString());
            assertTrue(result.stderr().contains("no such container: anat-none"), result.toString());
        }
        assertFalse(Files.exists(tmp.resolve("x.tar")));
    }

    private static Set<String> tarList(Path tar) throws Exception {
        Cli.Result list = Cli.exec(List.of("tar", "-tf", tar.toString()), Map.of(), List.of(), null, 60);
        assertEquals(0, list.exit(), list.toString());
        Set<String> paths = new TreeSet<>();
        for (String line : list.lines()) {
            String path = line.startsWith("./") ? line.substring(1) : "/" + line;
            path = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
            if (!path.equals("/")) {
                paths.add(path);
            }
        }
        return paths;
    }

    private static Set<String> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Writes small ustar archives by hand, so hostile entries are possible. */
    static final class Tars {
        private Tars() {
        }

        static byte[] file(String name, String content) {
            return entry(name, '0', content.getBytes(StandardCharsets.UTF_8), "", 0644);
        }

        static byte[] file(String name, byte[] content, int mode) {
            return entry(name, '0', content, "", mode);
        }

        static byte[] hardLink(String name, String target) {
            return entry(name, '1', new byte[0], target, 0644);
        }

        static byte[] of(byte[]... entries) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] entry : entries) {
                out.writeBytes(entry);
            }
            out.writeBytes(new byte[1024]);
            return out.toByteArray();
        }

        private static byte[] entry(String name, char type, byte[] content, String link, int mode) {
            byte[] header = new byte[512];
            put(header, 0, 100, name);
            put(header, 100, 8, String.format("%07o", mode));
            put(header, 108, 8, "0000000");
            put(header, 116, 8, "0000000");
            put(header, 124, 12, String.format("%011o", content.length));
            put(header, 136, 12, String.format("%011o", 0));
            header[156] = (byte) type;
            put(header, 157, 100, link);
            put(header, 257, 6, "ustar");
            put(header, 263, 2, "00");
            for (int i = 148; i < 156; i++) {
                header[i] = ' ';
            }
            int sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            put(header, 148, 8, String.format("%06o", sum) + "\0 ");
            int padded = (content.length + 511) / 512 * 512;
            byte[] entry = new byte[512 + padded];
            System.arraycopy(header, 0, entry, 0, 512);
            System.arraycopy(content, 0, entry, 512, content.length);
            return entry;
        }

        private static void put(byte[] header, int offset, int length, String value) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(bytes, 0, header, offset, Math.min(bytes.length, length));
        }
    }
}
