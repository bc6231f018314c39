package dev.berth.plugin.spec.impl;

import static dev.berth.plugin.spec.impl.Bundle.command;
import static dev.berth.plugin.spec.impl.Bundle.generate;
import static dev.berth.plugin.spec.impl.Bundle.image;
import static dev.berth.plugin.spec.impl.Bundle.options;
import static dev.berth.plugin.spec.impl.Bundle.read;
import static dev.berth.plugin.spec.impl.Bundle.request;
import static dev.berth.plugin.spec.impl.Bundle.texts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.GeneratedSpec;
import dev.berth.api.container.RunOptions;
import dev.berth.api.container.SpecRequest;
import dev.berth.api.container.VolumeMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecGeneratorTest {
    @TempDir
    Path dir;
    Path rootfs;
    Path bundle;

    @BeforeEach
    void setUp() throws Exception {
        rootfs = Files.createDirectory(dir.resolve("rootfs"));
        Rootfs.standard(rootfs);
        bundle = Files.createDirectory(dir.resolve("bundle"));
    }

    @Test
    void defaultSpecIsDockerLike() throws Exception {
        GeneratedSpec spec = generate(request(rootfs, bundle, image("{\"Cmd\":[\"sh\"]}"), RunOptions.defaults()));
        JsonNode config = read(bundle.resolve("config.json"));

        assertEquals(bundle.resolve("config.json").toString(), spec.path());
        assertEquals("1.0.2", config.path("ociVersion").asText());
        assertEquals(rootfs.toString(), config.path("root").path("path").asText());
        assertFalse(config.path("root").path("readonly").asBoolean());
        assertEquals("0123456789ab", config.path("hostname").asText());
        JsonNode process = config.path("process");
        assertEquals(List.of("sh"), texts(process.path("args")));
        assertEquals(List.of("PATH=" + Environment.DEFAULT_PATH, "HOSTNAME=0123456789ab"), texts(process.path("env")));
        assertEquals("/", process.path("cwd").asText());
        assertFalse(process.path("terminal").asBoolean());
        assertEquals(0, process.path("user").path("uid").asInt());
        assertEquals(0, process.path("user").path("gid").asInt());
        assertFalse(process.path("noNewPrivileges").asBoolean());
        JsonNode caps = process.path("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            assertEquals(0, caps.path(set).size(), set + ": without isolation modules the base grants nothing");
        }
        assertTrue(caps.path("inheritable").isMissingNode(), "no inheritable capabilities");
        assertTrue(caps.path("ambient").isMissingNode(), "no ambient capabilities");
        assertEquals("RLIMIT_NOFILE", process.path("rlimits").path(0).path("type").asText());
        assertTrue(process.path("selinuxLabel").isMissingNode());
        assertTrue(process.path("apparmorProfile").isMissingNode());

        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm",
                "/etc/hostname", "/etc/hosts", "/etc/resolv.conf"), Bundle.field(config.path("mounts"), "destination"));
        JsonNode hosts = config.path("mounts").path(8);
        assertEquals(bundle.resolve("hosts").toString(), hosts.path("source").asText());
        assertEquals(List.of("rbind", "rprivate"), texts(hosts.path("options")));

        JsonNode linux = config.path("linux");
        assertEquals("/berth/" + Bundle.ID, linux.path("cgroupsPath").asText());
        assertEquals(0, linux.path("namespaces").size(), "namespaces come from the namespaces module");
        assertTrue(texts(linux.path("maskedPaths")).contains("/proc/kcore"));
        assertEquals(11, linux.path("maskedPaths").size());
        assertEquals(5, linux.path("readonlyPaths").size());
        assertTrue(linux.path("mountLabel").isMissingNode());
        assertTrue(linux.path("seccomp").isMissingNode());

        byte[] bytes = Files.readAllBytes(bundle.resolve("config.json"));
        assertEquals("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)),
                spec.digest());
        assertEquals(List.of("sh"), spec.args());
        assertEquals("/", spec.cwd());
        assertTrue(spec.decisions().contains(
                "no isolation module is on: the container shares the host's namespaces and has no capabilities"),
                spec.decisions().toString());
        assertEquals(List.of(), spec.modules());
        assertTrue(spec.decisions().contains("user root (0:0): neither the image nor the options name one"));

        assertEquals("0123456789ab\n", Files.readString(bundle.resolve("hostname")));
        assertTrue(Files.readString(bundle.resolve("hosts")).startsWith("127.0.0.1\tlocalhost\n"));
        assertTrue(Files.readString(bundle.resolve("hosts")).contains("\n127.0.1.1\t0123456789ab\n"));
        assertEquals("nameserver 10.0.0.1\n", Files.readString(bundle.resolve("resolv.conf")));
        assertEquals(List.of("config.json", "hostname", "hosts", "resolv.conf"), Bundle.listing(bundle));
    }

    /** A --rm container's bundle is written unsynced, and otherwise the same: same files, same contents. */
    @Test
    void aScratchBundleHoldsWhatADurableOneHolds() throws Exception {
        String image = image("{\"Cmd\":[\"sh\"]}");
        SpecRequest durable = request(rootfs, bundle, image, RunOptions.defaults());
        Path other = Files.createDirectory(dir.resolve("scratch-bundle"));
        SpecRequest scratch = new SpecRequest(durable.containerId(), durable.name(), durable.rootfs(),
                other.toString(), image, durable.options(), Map.of(), true);
        generate(durable);
        generate(scratch);
        assertEquals(Bundle.listing(bundle), Bundle.listing(other));
        for (String name : Bundle.listing(bundle)) {
            assertEquals(Files.readString(bundle.resolve(name)).replace(bundle.toString(), "BUNDLE"),
                    Files.readString(other.resolve(name)).replace(other.toString(), "BUNDLE"), name);
        }
    }

    @Test
    void imageConfigDrivesTheProcess() throws Exception {
        String config = """
                {"User":"app","WorkingDir":"/srv/app/","Env":["PATH=/usr/local/bin:/bin","LANG=C.UTF-8"],
                 "Entrypoint":["tool"],"Cmd":["--serve"],"ExposedPorts":{"80/tcp":{}}}""";
        GeneratedSpec spec = generate(request(rootfs, bundle, image(config),
                options(null, null, List.of("LANG=de_DE.UTF-8", "EXTRA=1"), null, null, false, List.of(), true)));
        JsonNode process = read(bundle.resolve("config.json")).path("process");
        assertEquals(List.of("tool", "--serve"), spec.args());
        assertEquals(List.of("HOSTNAME=0123456789ab", "TERM=xterm", "PATH=/usr/local/bin:/bin", "LANG=de_DE.UTF-8",
                "EXTRA=1"), texts(process.path("env")));
        assertEquals("/srv/app", process.path("cwd").asText());
        assertEquals("/srv/app", spec.cwd());
        assertTrue(spec.decisions().contains(
                "working directory /srv/app is not in the image: the runtime creates it, owned by root"));
        assertTrue(process.path("terminal").asBoolean());
        assertEquals(1000, spec.uid());
        assertEquals(1000, spec.gid());
        assertEquals(List.of("2000"), texts(process.path("user").path("additionalGids")));
    }

    @Test
    void optionsOverrideTheImage() throws Exception {
        String config = "{\"User\":\"app\",\"WorkingDir\":\"/srv\",\"Entrypoint\":[\"tool\"],\"Cmd\":[\"--serve\"]}";
        RunOptions options = new RunOptions(List.of("-c", "true"), List.of("sh"), List.of(), "/tmp", "nobody",
                "web-1", true, List.of(), false, false, null);
        GeneratedSpec spec = generate(request(rootfs, bundle, image(config), options));
        JsonNode written = read(bundle.resolve("config.json"));
        assertEquals(List.of("sh", "-c", "true"), spec.args());
        assertEquals(65534, spec.uid());
        assertEquals("/tmp", spec.cwd());
        assertEquals("web-1", written.path("hostname").asText());
        assertTrue(written.path("root").path("readonly").asBoolean(), "readOnly gives a read-only root");
        assertTrue(texts(written.path("process").path("env")).contains("HOSTNAME=web-1"));
        assertEquals("web-1\n", Files.readString(bundle.resolve("hostname")));
    }

    @Test
    void sameInputSameBytes() throws Exception {
        String a = image("{\"Cmd\":[\"sh\"],\"Env\":[\"A=1\"],\"User\":\"app\"}");
        String b = "{\"config\":{\"User\":\"app\",\"Env\":[\"A=1\"],\"Cmd\":[\"sh\"]},\"os\":\"linux\"}";
        GeneratedSpec first = generate(request(rootfs, bundle, a, RunOptions.defaults()));
        byte[] bytes = Files.readAllBytes(bundle.resolve("config.json"));
        GeneratedSpec second = generate(request(rootfs, bundle, b, RunOptions.defaults()));
        assertArrayEquals(bytes, Files.readAllBytes(bundle.resolve("config.json")));
        assertEquals(first, second);
        String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.startsWith("{\n  \"ociVersion\": \"1.0.2\",\n"), text);
        assertTrue(text.endsWith("}\n"));
        assertEquals(List.of("config.json", "hostname", "hosts", "resolv.conf"), Bundle.listing(bundle));
    }

    @Test
    void missingBundleDirIsCreatedTraversable() throws Exception {
        Path fresh = dir.resolve("fresh");
        generate(request(rootfs, fresh, image("{\"Cmd\":[\"sh\"]}"), RunOptions.defaults()));
        assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(fresh)));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(fresh.resolve("hosts"))));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(fresh.resolve("config.json"))), "the environment is root's to read");
    }

    static Stream<Arguments> nofileCases() {
        return Stream.of(
                // name, engine's hard limit (-1 unknown), expected RLIMIT_NOFILE, decision fragment
                Arguments.of("CappedAtOwnHardLimit", 20_000L, 20_000L, "RLIMIT_NOFILE 20000 instead of 1048576"),
                Arguments.of("Unlimited", Long.MAX_VALUE, 1_048_576L, "RLIMIT_NOFILE 1048576, as Docker gives"),
                Arguments.of("HigherHardLimit", 4_000_000L, 1_048_576L, "RLIMIT_NOFILE 1048576, as Docker gives"),
                Arguments.of("ExactlyTheDefault", 1_048_576L, 1_048_576L, "RLIMIT_NOFILE 1048576, as Docker gives"),
                Arguments.of("Unknown", -1L, 1024L, "RLIMIT_NOFILE 1024: the engine's own limit is unknown"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nofileCases")
    void nofileIsCappedAtTheEnginesHardLimit(String name, long hard, long expected, String decision)
            throws Exception {
        HostFacts host = new HostFacts(Path.of("/etc/resolv.conf"), "", false, false,
                hard < 0 ? OptionalLong.empty() : OptionalLong.of(hard));
        GeneratedSpec spec = generate(host, request(rootfs, bundle, image("{\"Cmd\":[\"sh\"]}"),
                RunOptions.defaults()));
        JsonNode limit = read(bundle.resolve("config.json")).path("process").path("rlimits").path(0);
        assertEquals(expected, limit.path("hard").asLong());
        assertEquals(expected, limit.path("soft").asLong());
        assertTrue(spec.decisions().stream().anyMatch(d -> d.startsWith(decision)), spec.decisions().toString());
    }

    @Test
    void resolvConfDropsLoopbackNameservers() throws Exception {
        HostFacts host = new HostFacts(Path.of("/etc/resolv.conf"),
                "search example.org\nnameserver 127.0.0.53\nnameserver 10.1.1.1\noptions edns0\n", false, false,
                OptionalLong.of(1 << 20));
        GeneratedSpec spec = generate(host, request(rootfs, bundle, image("{\"Cmd\":[\"sh\"]}"), RunOptions.defaults()));
        assertEquals("search example.org\nnameserver 10.1.1.1\noptions edns0\n",
                Files.readString(bundle.resolve("resolv.conf")));
        assertTrue(spec.decisions().stream().anyMatch(d -> d.startsWith("left nameserver 127.0.0.53 out")));
    }

    @Test
    void hostWithoutResolvConfGivesAnEmptyOne() throws Exception {
        HostFacts host = new HostFacts(Path.of("/nowhere/resolv.conf"), null, false, false, OptionalLong.of(1 << 20));
        GeneratedSpec spec = generate(host, request(rootfs, bundle, image("{\"Cmd\":[\"sh\"]}"), RunOptions.defaults()));
        assertEquals("", Files.readString(bundle.resolve("resolv.conf")));
        assertTrue(spec.decisions().contains("empty /etc/resolv.conf: the host has no /nowhere/resolv.conf"));
    }

    @Test
    void volumesAreBindMountsParentsFirst() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        Path conf = Files.writeString(dir.resolve("app.conf"), "x");
        List<VolumeMount> volumes = List.of(new VolumeMount(conf.toString(), "/srv/data/conf/app.conf", true),
                new VolumeMount(data.toString() + "/./", "/srv/data/", false),
                new VolumeMount(data.toString(), "/dev/shm", false));
        GeneratedSpec spec = generate(request(rootfs, bundle, image("{\"Cmd\":[\"sh\"]}"),
                options(null, null, List.of(), null, null, false, volumes, false)));
        JsonNode mounts = read(bundle.resolve("config.json")).path("mounts");
        int n = mounts.size();
        assertEquals(6 + 3 + 3, n, "the volume at /dev/shm replaces the default");
        assertEquals("/srv/data", mounts.path(n - 3).path("destination").asText());
        assertEquals(data.toString(), mounts.path(n - 3).path("source").asText());
        assertEquals(List.of("rbind", "rprivate"), texts(mounts.path(n - 3).path("options")));
        assertEquals("/dev/shm", mounts.path(n - 2).path("destination").asText());
        assertEquals("/srv/data/conf/app.conf", mounts.path(n - 1).path("destination").asText());
        assertEquals("bind", mounts.path(n - 1).path("type").asText());
        assertEquals(List.of("rbind", "rprivate", "ro"), texts(mounts.path(n - 1).path("options")));
        assertTrue(spec.decisions().contains("volume at /dev/shm replaces the default tmpfs mount"));
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                // name, image config, options, message
                Arguments.of("VolumeSourceMissing", "{\"Cmd\":[\"sh\"]}",
                        options(null, null, List.of(), null, null, false,
                                List.of(new VolumeMount("/no/such/berth/dir", "/data", false)), false),
                        "invalid volume: source path \"/no/such/berth/dir\" does not exist"),
                Arguments.of("VolumeTargetRelative", "{\"Cmd\":[\"sh\"]}",
                        options(null, null, List.of(), null, null, false,
                                List.of(new VolumeMount("/tmp", "data", false)), false),
                        "invalid volume: target path \"data\" is not absolute"),
                Arguments.of("VolumeSourceRelative", "{\"Cmd\":[\"sh\"]}",
                        options(null, null, List.of(), null, null, false,
                                List.of(new VolumeMount("tmp", "/data", false)), false),
                        "invalid volume: source path \"tmp\" is not absolute (named volumes are not supported)"),
                Arguments.of("VolumeTargetRoot", "{\"Cmd\":[\"sh\"]}",
                        options(null, null, List.of(), null, null, false,
                                List.of(new VolumeMount("/tmp", "/data/..", false)), false),
                        "invalid volume: target path \"/data/..\" is the container's root"),
                Arguments.of("VolumeTargetTwice", "{\"Cmd\":[\"sh\"]}",
                        options(null, null, List.of(), null, null, false,
                                List.of(new VolumeMount("/tmp", "/data", false), new VolumeMount("/tmp", "/data/", true)),
                                false),
                        "invalid volume: duplicate mount point /data"),
                Arguments.of("CommandNotFound", "{\"Cmd\":[\"nginx\"]}", RunOptions.defaults(),
                        "exec: \"nginx\": executable file not found in $PATH"),
                Arguments.of("NoCommand", "{}", RunOptions.defaults(),
                        "no command: the image has no Entrypoint or Cmd and none was given"),
                Arguments.of("NoConfigObject", "null", RunOptions.defaults(),
                        "no command: the image has no Entrypoint or Cmd and none was given"),
                Arguments.of("UnknownUser", "{\"Cmd\":[\"sh\"],\"User\":\"www-data\"}", RunOptions.defaults(),
                        "unable to find user www-data: no matching entries in passwd file"),
                Arguments.of("BadEnv", "{\"Cmd\":[\"sh\"]}", options(null, null, List.of("JUSTAKEY"), null, null, false,
                        List.of(), false), "invalid environment variable \"JUSTAKEY\" in the options: expected KEY=VALUE"),
                Arguments.of("RelativeWorkingDir", "{\"Cmd\":[\"sh\"],\"WorkingDir\":\"srv\"}", RunOptions.defaults(),
                        "the working directory \"srv\" is invalid: it needs to be an absolute path"),
                Arguments.of("WorkingDirIsAFile", "{\"Cmd\":[\"sh\"],\"WorkingDir\":\"/bin/sh\"}",
                        RunOptions.defaults(), "the working directory \"/bin/sh\" is not a directory in the image"),
                Arguments.of("CmdNotAnArray", "{\"Cmd\":\"sh\"}", RunOptions.defaults(),
                        "read image config: config.Cmd is not an array of strings"),
                Arguments.of("BadHostname", "{\"Cmd\":[\"sh\"]}", new RunOptions(null, null, List.of(), null, null,
                        "bad host/name", false, List.of(), false, false, null),
                        "invalid hostname \"bad host/name\": use at most 64 letters, digits, dots and dashes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusedRequestsLeaveNothingBehind(String name, String config, RunOptions options, String message)
            throws Exception {
        Files.writeString(bundle.resolve("keep"), "already here");
        BerthException e = assertThrows(BerthException.class,
                () -> new SpecGenerator(Bundle.HOST, SpecGenerator.DEFAULT_NOFILE)
                        .generate(request(rootfs, bundle, image(config), options)));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertEquals(message, e.getMessage());
        assertEquals(List.of("keep"), Bundle.listing(bundle));

        Path absent = dir.resolve("absent");
        assertThrows(BerthException.class, () -> new SpecGenerator(Bundle.HOST, SpecGenerator.DEFAULT_NOFILE)
                .generate(request(rootfs, absent, image(config), options)));
        assertFalse(Files.exists(absent), "a refused request does not create the bundle directory");
    }

    @Test
    void imageConfigThatIsNotJsonIsRefused() {
        BerthException e = assertThrows(BerthException.class, () -> new SpecGenerator(Bundle.HOST, 1024)
                .generate(request(rootfs, bundle, "{not json", RunOptions.defaults())));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().startsWith("read image config: not JSON"), e.getMessage());
        assertEquals(List.of(), Bundle.listing(bundle));
    }

    @Test
    void writeFailureRemovesWhatThisCallWrote() throws Exception {
        // config.json as a non-empty directory: the rename over it fails after the other files were renamed.
        Files.createDirectories(bundle.resolve("config.json").resolve("occupied"));
        BerthException e = assertThrows(BerthException.class, () -> new SpecGenerator(Bundle.HOST, 1024)
                .generate(request(rootfs, bundle, image("{\"Cmd\":[\"sh\"]}"), RunOptions.defaults())));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("generate spec for " + Bundle.ID + ": write bundle "), e.getMessage());
        assertEquals(List.of("config.json"), Bundle.listing(bundle));
    }
}
