package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Docker create bodies to Berth's create order: what maps, what is refused and how it is named. */
class DockerCreateBodyTest {
    /** What docker run 28 sends for {@code docker run busybox sh} (every option at its zero value). */
    private static final String DOCKER_RUN_DEFAULTS = """
            {"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,
             "Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["sh"],"Image":"busybox",
             "Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},
             "HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},
               "NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},
               "AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[50,200],"CapAdd":null,
               "CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,
               "GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,
               "PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"",
               "ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,
               "BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],
               "BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,
               "CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,
               "MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":null,"OomKillDisable":false,"PidsLimit":null,
               "Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,
               "MaskedPaths":null,"ReadonlyPaths":null},
             "NetworkingConfig":{"EndpointsConfig":{}}}""";

    private static JsonObject defaults() {
        return new JsonObject(DOCKER_RUN_DEFAULTS);
    }

    private static JsonObject with(String hostField, Object value) {
        JsonObject body = defaults();
        body.getJsonObject("HostConfig").put(hostField, value);
        return body;
    }

    @Test
    void dockerRunDefaultsMapToBerthDefaults() {
        JsonObject order = DockerCreateBody.order(defaults(), "/web");
        assertEquals("create", order.getString("op"));
        assertEquals("busybox", order.getString("image"));
        assertEquals("web", order.getString("name"), "Docker's leading slash is taken off");
        assertEquals(false, order.getBoolean("autoRemove"));
        JsonObject options = order.getJsonObject("options");
        assertEquals(new JsonArray().add("sh"), options.getJsonArray("command"));
        assertNull(options.getValue("entrypoint"));
        assertEquals(new JsonArray(), options.getJsonArray("env"));
        assertNull(options.getValue("workingDir"));
        assertNull(options.getValue("user"));
        assertNull(options.getValue("hostname"));
        assertEquals(new JsonObject(), options.getJsonObject("isolation"), "no isolation option asked for");
        assertEquals(new JsonArray(), options.getJsonArray("volumes"));
    }

    @Test
    void honouredFieldsMapToRunOptionsAndIsolationOptions() {
        JsonObject body = defaults().put("Env", new JsonArray().add("A=1")).put("WorkingDir", "/srv").put("User", "1000:1000")
                .put("Hostname", "box").put("Tty", true).put("OpenStdin", true).put("StdinOnce", true)
                .put("Entrypoint", new JsonArray().add(""));
        body.getJsonObject("HostConfig").put("Memory", 67108864).put("MemorySwap", -1).put("NanoCpus", 1_500_000_000L)
                .put("PidsLimit", 64).put("CapAdd", new JsonArray().add("NET_ADMIN")).put("CapDrop", new JsonArray().add("ALL"))
                .put("Privileged", true).put("ReadonlyRootfs", true).put("NetworkMode", "none").put("AutoRemove", true)
                .put("Runtime", "crun").put("Binds", new JsonArray().add("/tmp:/data:ro,Z"))
                .put("SecurityOpt", new JsonArray().add("no-new-privileges"));
        JsonObject order = DockerCreateBody.order(body, null);
        assertNull(order.getValue("name"));
        assertEquals(true, order.getBoolean("autoRemove"));
        JsonObject options = order.getJsonObject("options");
        assertEquals(new JsonArray(), options.getJsonArray("entrypoint"), "--entrypoint \"\" clears the image's");
        assertEquals("/srv", options.getString("workingDir"));
        assertEquals("1000:1000", options.getString("user"));
        assertEquals("box", options.getString("hostname"));
        assertEquals(true, options.getBoolean("tty"));
        assertEquals(true, options.getBoolean("stdin"));
        assertEquals(true, options.getBoolean("readOnly"));
        assertEquals("crun", options.getString("runtime"));
        assertEquals(new JsonObject().put("source", "/tmp").put("target", "/data").put("readOnly", true).put("relabel", "Z"),
                options.getJsonArray("volumes").getJsonObject(0));
        JsonObject isolation = options.getJsonObject("isolation");
        assertEquals(new JsonArray().add("67108864"), isolation.getJsonArray("memory"));
        assertEquals(new JsonArray().add("-1"), isolation.getJsonArray("memory-swap"));
        assertEquals(new JsonArray().add("1.5"), isolation.getJsonArray("cpus"));
        assertEquals(new JsonArray().add("64"), isolation.getJsonArray("pids-limit"));
        assertEquals(new JsonArray().add("NET_ADMIN"), isolation.getJsonArray("cap-add"));
        assertEquals(new JsonArray().add("ALL"), isolation.getJsonArray("cap-drop"));
        assertEquals(new JsonArray().add("true"), isolation.getJsonArray("privileged"));
        assertEquals(new JsonArray().add("none"), isolation.getJsonArray("network"));
        assertEquals(new JsonArray().add("no-new-privileges"), isolation.getJsonArray("security-opt"));
    }

    static Stream<Arguments> networkModes() {
        return Stream.of(
                Arguments.of("default", null),
                Arguments.of("bridge", null),
                Arguments.of("", null),
                Arguments.of("none", "none"),
                Arguments.of("host", "host"),
                Arguments.of("container:web", "container:web"));
    }

    @ParameterizedTest(name = "NetworkMode {0}")
    @MethodSource("networkModes")
    void networkModes(String mode, String berth) {
        JsonObject isolation = DockerCreateBody.order(with("NetworkMode", mode), null).getJsonObject("options")
                .getJsonObject("isolation");
        assertEquals(berth == null ? null : new JsonArray().add(berth), isolation.getJsonArray("network"));
    }

    @Test
    void pidsLimitFollowsDocker() {
        assertNull(isolation(with("PidsLimit", 0)).getValue("pids-limit"), "0: no limit asked for");
        assertEquals(new JsonArray().add("-1"), isolation(with("PidsLimit", -1)).getJsonArray("pids-limit"));
        assertEquals(new JsonArray().add("-1"), isolation(with("PidsLimit", -5)).getJsonArray("pids-limit"),
                "any negative value is unlimited in Docker");
    }

    private static JsonObject isolation(JsonObject body) {
        return DockerCreateBody.order(body, null).getJsonObject("options").getJsonObject("isolation");
    }

    /** Hostile and unsupported bodies, each refused with a 400 naming the field. */
    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("NegativeMemory", with("Memory", -1), "HostConfig.Memory -1 is negative"),
                Arguments.of("NegativeSwapBelowUnlimited", with("MemorySwap", -2), "HostConfig.MemorySwap -2"),
                Arguments.of("NegativeNanoCpus", with("NanoCpus", -1), "HostConfig.NanoCpus -1 is negative"),
                Arguments.of("NanoCpusOverflow", with("NanoCpus", new java.math.BigInteger("99999999999999999999999")),
                        "HostConfig.NanoCpus"),
                Arguments.of("NanoCpusFraction", with("NanoCpus", 1.5), "not a whole number"),
                Arguments.of("MemoryAsString", with("Memory", "64m"), "HostConfig.Memory must be a number"),
                Arguments.of("UnknownNetworkMode", with("NetworkMode", "mynet"), "no user-defined networks"),
                Arguments.of("EmptyContainerNetwork", with("NetworkMode", "container:"), "no user-defined networks"),
                Arguments.of("NamedVolume", with("Binds", new JsonArray().add("data:/data")), "not an absolute path"),
                Arguments.of("RelativeTarget", with("Binds", new JsonArray().add("/tmp:data")), "not an absolute path"),
                Arguments.of("DotDotSource", with("Binds", new JsonArray().add("/tmp/../etc:/data")),
                        "contains a . or .. segment"),
                Arguments.of("DotDotTarget", with("Binds", new JsonArray().add("/tmp:/data/../../etc")),
                        "contains a . or .. segment"),
                Arguments.of("OverRoot", with("Binds", new JsonArray().add("/tmp:/")), "cannot mount over"),
                Arguments.of("ControlCharacterInBind", with("Binds", new JsonArray().add("/tmp\n:/data")),
                        "control characters"),
                Arguments.of("UnknownBindOption", with("Binds", new JsonArray().add("/tmp:/data:shared")),
                        "mount option \"shared\""),
                Arguments.of("VolumeMount", with("Mounts", new JsonArray().add(new JsonObject().put("Type", "volume")
                        .put("Source", "data").put("Target", "/data"))), "Mounts[0].Type"),
                Arguments.of("PortBindings", with("PortBindings", new JsonObject().put("80/tcp",
                        new JsonArray().add(new JsonObject().put("HostPort", "8080")))), "HostConfig.PortBindings"),
                Arguments.of("RestartPolicy", with("RestartPolicy", new JsonObject().put("Name", "always")),
                        "HostConfig.RestartPolicy"),
                Arguments.of("Devices", with("Devices", new JsonArray().add(new JsonObject().put("PathOnHost", "/dev/kvm"))),
                        "HostConfig.Devices"),
                Arguments.of("ShmSize", with("ShmSize", 1 << 30), "HostConfig.ShmSize"),
                Arguments.of("Labels", defaults().put("Labels", new JsonObject().put("a", "b")), "Labels"),
                Arguments.of("ExposedPorts", defaults().put("ExposedPorts", new JsonObject().put("80/tcp", new JsonObject())),
                        "ExposedPorts"),
                Arguments.of("Healthcheck", defaults().put("Healthcheck", new JsonObject().put("Test",
                        new JsonArray().add("CMD").add("true"))), "Healthcheck"),
                Arguments.of("UnknownTopLevelField", defaults().put("Frobnicate", 1), "Frobnicate"),
                Arguments.of("EnvWithoutEquals", defaults().put("Env", new JsonArray().add("A")), "Env[0]"),
                Arguments.of("RelativeWorkingDir", defaults().put("WorkingDir", "srv"), "absolute path"),
                Arguments.of("NoImage", defaults().putNull("Image"), "Image is required"),
                Arguments.of("ImageWithSpaces", defaults().put("Image", "busy box"), "not an image reference"),
                Arguments.of("BadHostname", defaults().put("Hostname", "a/b"), "Hostname"),
                Arguments.of("BadCapability", with("CapAdd", new JsonArray().add("NET_ADMIN;rm")), "CapAdd[0]"),
                Arguments.of("BadRuntime", with("Runtime", "../runc"), "HostConfig.Runtime"),
                Arguments.of("UserDefinedEndpoint", defaults().put("NetworkingConfig", new JsonObject().put("EndpointsConfig",
                        new JsonObject().put("mynet", new JsonObject()))), "EndpointsConfig.mynet"),
                Arguments.of("UtsModeUnknown", with("UTSMode", "container:x"), "UTSMode"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedWithA400NamingTheField(String name, JsonObject body, String expected) {
        DockerException e = assertThrows(DockerException.class, () -> DockerCreateBody.order(body, null));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void everyUnhonouredFieldIsNamedAtOnce() {
        JsonObject body = with("ShmSize", 1 << 30);
        body.getJsonObject("HostConfig").put("OomScoreAdj", 500);
        DockerException e = assertThrows(DockerException.class, () -> DockerCreateBody.order(body, null));
        assertTrue(e.getMessage().contains("HostConfig.ShmSize") && e.getMessage().contains("HostConfig.OomScoreAdj"),
                e.getMessage());
    }

    static Stream<Arguments> badNames() {
        return Stream.of(
                Arguments.of("a/b"), Arguments.of("../etc"), Arguments.of(".."), Arguments.of("/"), Arguments.of("x"),
                Arguments.of("-lead"), Arguments.of("a b"), Arguments.of("a\u0000b"), Arguments.of("//double"),
                Arguments.of("n".repeat(129)));
    }

    @ParameterizedTest(name = "name {0}")
    @MethodSource("badNames")
    void namesWithSlashesOrTraversalAreRefused(String name) {
        DockerException e = assertThrows(DockerException.class, () -> DockerCreateBody.order(defaults(), name));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith("Invalid container name"), e.getMessage());
    }

    @Test
    void zeroValuesAndNamedDefaultsAreNotAskingForAnything() {
        assertTrue(DockerCreateBody.zero("HostConfig.RestartPolicy", new JsonObject().put("Name", "no")
                .put("MaximumRetryCount", 0)));
        assertTrue(DockerCreateBody.zero("HostConfig.LogConfig", new JsonObject().put("Type", "json-file")
                .put("Config", new JsonObject())));
        assertTrue(DockerCreateBody.zero("HostConfig.MemorySwappiness", -1));
        assertTrue(DockerCreateBody.zero("HostConfig.Isolation", "default"));
        assertTrue(!DockerCreateBody.zero("HostConfig.LogConfig", new JsonObject().put("Type", "syslog")));
        assertTrue(!DockerCreateBody.zero("HostConfig.OomKillDisable", true));
    }
}
