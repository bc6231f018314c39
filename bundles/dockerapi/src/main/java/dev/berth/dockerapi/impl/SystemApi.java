package dev.berth.dockerapi.impl;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/**
 * The system calls: {@code GET|HEAD /_ping} (version negotiation: the client reads {@code API-Version}),
 * {@code GET /version} and {@code GET /info}, the latter two translated from Berth's {@code berth.engine.info},
 * image and container lists. Thread-safe: holds only immutable state.
 */
final class SystemApi implements DockerRoutes {
    private final EngineBus engine;
    private final String berthVersion;

    SystemApi(EngineBus engine, String berthVersion) {
        this.engine = engine;
        this.berthVersion = berthVersion;
    }

    @Override
    public boolean handle(DockerRequest request) {
        if (request.match(HttpMethod.GET, "/_ping") != null) {
            ping(request);
        } else if (request.match(HttpMethod.GET, "/version") != null) {
            engine.ask(BusAddresses.ENGINE_INFO, new JsonObject())
                    .otherwise(new JsonObject())
                    .onComplete(ar -> DockerReply.json(request.response(), 200, version(ar.result())));
        } else if (request.match(HttpMethod.GET, "/info") != null) {
            info(request);
        } else {
            return false;
        }
        return true;
    }

    private static void ping(DockerRequest request) {
        request.response().putHeader("Builder-Version", "1").putHeader("Swarm", "inactive")
                .putHeader("Cache-Control", "no-cache, no-store, must-revalidate").putHeader("Pragma", "no-cache")
                .putHeader("Content-Type", "text/plain; charset=utf-8");
        if (request.method().equals(HttpMethod.HEAD)) {
            request.response().putHeader("Content-Length", "0").end();
        } else {
            request.response().end("OK");
        }
    }

    /** The {@code SystemVersion} answer; {@code info} is Berth's engine info (empty when it did not answer). */
    JsonObject version(JsonObject info) {
        String kernel = info.getString("kernel", System.getProperty("os.version"));
        String arch = goArch(System.getProperty("os.arch"));
        JsonObject details = new JsonObject().put("ApiVersion", ApiVersion.MAXIMUM.toString())
                .put("MinAPIVersion", ApiVersion.MINIMUM.toString()).put("Os", "linux").put("Arch", arch)
                .put("KernelVersion", kernel).put("Experimental", "false").put("GitCommit", "")
                .put("GoVersion", "java" + System.getProperty("java.version")).put("BuildTime", "");
        JsonArray components = new JsonArray().add(new JsonObject().put("Name", "Engine")
                .put("Version", berthVersion).put("Details", details));
        for (Object entry : info.getJsonArray("runtimes", new JsonArray())) {
            if (entry instanceof JsonObject runtime && runtime.getString("version") != null) {
                components.add(new JsonObject().put("Name", runtime.getString("name"))
                        .put("Version", runtime.getString("version"))
                        .put("Details", new JsonObject().put("GitCommit", "")));
            }
        }
        return new JsonObject().put("Platform", new JsonObject().put("Name", "Berth " + berthVersion))
                .put("Components", components).put("Version", berthVersion)
                .put("ApiVersion", ApiVersion.MAXIMUM.toString()).put("MinAPIVersion", ApiVersion.MINIMUM.toString())
                .put("GitCommit", "").put("GoVersion", "java" + System.getProperty("java.version"))
                .put("Os", "linux").put("Arch", arch).put("KernelVersion", kernel).put("BuildTime", "");
    }

    private void info(DockerRequest request) {
        Future<JsonObject> info = engine.ask(BusAddresses.ENGINE_INFO, new JsonObject());
        Future<JsonObject> images = engine.ask(BusAddresses.ENGINE_IMAGES, new JsonObject())
                .otherwise(new JsonObject());
        Future<JsonObject> containers = engine.ask(BusAddresses.ENGINE_CONTAINERS,
                new JsonObject().put("op", "list").put("all", true)).otherwise(new JsonObject());
        Future.all(info, images, containers).onComplete(ar -> {
            if (info.failed()) {
                DockerReply.failure(request.response(), info.cause());
                return;
            }
            engine.vertx().executeBlocking(() -> info(info.result(), images.result(), containers.result(),
                    HostFiles.read()), false).onComplete(done -> {
                        if (done.succeeded()) {
                            DockerReply.json(request.response(), 200, done.result());
                        } else {
                            DockerReply.failure(request.response(), done.cause());
                        }
                    });
        });
    }

    /** What {@code /info} reads from the host itself: total memory and host name. */
    record HostFiles(long memTotal, String hostname) {
        static HostFiles read() {
            long mem = 0;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
                    if (line.startsWith("MemTotal:")) {
                        mem = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                mem = 0;
            }
            String host;
            try {
                host = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).trim();
            } catch (IOException | RuntimeException e) {
                host = "localhost";
            }
            return new HostFiles(mem, host);
        }
    }

    /** The {@code SystemInfo} answer from Berth's info, image list and container list. */
    JsonObject info(JsonObject info, JsonObject images, JsonObject containers, HostFiles host) {
        long running = 0;
        long stopped = 0;
        long total = 0;
        for (Object entry : containers.getJsonArray("containers", new JsonArray())) {
            if (entry instanceof JsonObject c) {
                total++;
                if ("running".equals(c.getString("status"))) {
                    running++;
                } else {
                    stopped++;
                }
            }
        }
        JsonObject engineContainers = info.getJsonObject("containers", new JsonObject());
        JsonObject runtimes = new JsonObject();
        for (Object entry : info.getJsonArray("runtimes", new JsonArray())) {
            if (entry instanceof JsonObject runtime && runtime.getBoolean("usable", false)) {
                runtimes.put(runtime.getString("name"), new JsonObject().put("path", runtime.getString("path")));
            }
        }
        String defaultRuntime = engineContainers.getString("defaultRuntime", "runc");
        JsonObject cgroup = info.getJsonObject("cgroup", new JsonObject());
        String cgroupMode = cgroup.getString("mode", "v2");
        boolean overlay = info.getJsonObject("overlayfs", new JsonObject()).getBoolean("supported", false);
        String snapshotter = engineContainers.getString("snapshotter");
        String driver = snapshotter != null ? snapshotter : overlay ? "overlay" : "copy";
        String root = info.getString("root", "/var/lib/berth");
        JsonArray security = new JsonArray();
        if (info.getJsonObject("userNamespaces", new JsonObject()).getBoolean("supported", false)) {
            security.add("name=userns");
        }
        if ("enforcing".equals(info.getJsonObject("selinux", new JsonObject()).getString("state"))) {
            security.add("name=selinux");
        }
        if (!cgroupMode.equals("v1")) {
            security.add("name=cgroupns");
        }
        JsonArray warnings = new JsonArray();
        for (Object entry : info.getJsonArray("runtimes", new JsonArray())) {
            if (entry instanceof JsonObject runtime && !runtime.getBoolean("usable", false)
                    && runtime.getString("reason") != null) {
                warnings.add("WARNING: runtime " + runtime.getString("name") + " cannot run containers: "
                        + runtime.getString("reason"));
            }
        }
        String kernel = info.getString("kernel", System.getProperty("os.version"));
        return new JsonObject()
                .put("ID", UUID.nameUUIDFromBytes((host.hostname() + "\0" + root).getBytes(StandardCharsets.UTF_8))
                        .toString())
                .put("Containers", total).put("ContainersRunning", running).put("ContainersPaused", 0)
                .put("ContainersStopped", stopped)
                .put("Images", images.getJsonArray("images", new JsonArray()).size())
                .put("Driver", driver)
                .put("DriverStatus", new JsonArray().add(new JsonArray().add("Snapshotter").add(driver)))
                .put("Plugins", new JsonObject().put("Volume", new JsonArray()).put("Network", new JsonArray())
                        .put("Authorization", null).put("Log", new JsonArray().add("json-file")))
                .put("MemoryLimit", true).put("SwapLimit", true).put("CpuCfsPeriod", true).put("CpuCfsQuota", true)
                .put("CPUShares", true).put("CPUSet", true).put("PidsLimit", true).put("OomKillDisable", false)
                .put("IPv4Forwarding", true).put("Debug", false).put("NFd", 0).put("NGoroutines", 0)
                .put("SystemTime", Instant.now().toString()).put("LoggingDriver", "json-file")
                .put("CgroupDriver", "cgroupfs").put("CgroupVersion", cgroupMode.equals("v2") ? "2" : "1")
                .put("NEventsListener", 0).put("KernelVersion", kernel)
                .put("OperatingSystem", info.getString("os", "Linux")).put("OSVersion", "")
                .put("OSType", "linux").put("Architecture", unameMachine(System.getProperty("os.arch")))
                .put("IndexServerAddress", "https://index.docker.io/v1/")
                .put("RegistryConfig", new JsonObject().put("InsecureRegistryCIDRs", new JsonArray().add("127.0.0.0/8"))
                        .put("IndexConfigs", new JsonObject()).put("Mirrors", new JsonArray()))
                .put("NCPU", Runtime.getRuntime().availableProcessors()).put("MemTotal", host.memTotal())
                .put("GenericResources", null).put("DockerRootDir", root)
                .put("HttpProxy", "").put("HttpsProxy", "").put("NoProxy", "")
                .put("Name", host.hostname()).put("Labels", new JsonArray()).put("ExperimentalBuild", false)
                .put("ServerVersion", berthVersion).put("Runtimes", runtimes).put("DefaultRuntime", defaultRuntime)
                .put("Swarm", new JsonObject().put("NodeID", "").put("NodeAddr", "")
                        .put("LocalNodeState", "inactive").put("ControlAvailable", false).put("Error", "")
                        .put("RemoteManagers", null))
                .put("LiveRestoreEnabled", true).put("Isolation", "").put("InitBinary", "")
                .put("ContainerdCommit", new JsonObject().put("ID", ""))
                .put("RuncCommit", new JsonObject().put("ID", runtimeVersion(info, "runc")))
                .put("InitCommit", new JsonObject().put("ID", ""))
                .put("SecurityOptions", security).put("CDISpecDirs", new JsonArray()).put("Warnings", warnings);
    }

    /** The version Berth's host probe read from {@code name --version}, or empty. */
    private static String runtimeVersion(JsonObject info, String name) {
        for (Object entry : info.getJsonArray("runtimes", new JsonArray())) {
            if (entry instanceof JsonObject runtime && name.equals(runtime.getString("name"))) {
                return runtime.getString("version", "");
            }
        }
        return "";
    }

    /** Java's {@code os.arch} as Go names it ({@code amd64}, {@code arm64}). */
    static String goArch(String javaArch) {
        return switch (javaArch == null ? "" : javaArch.toLowerCase(Locale.ROOT)) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> javaArch;
        };
    }

    /** Java's {@code os.arch} as {@code uname -m} names it ({@code x86_64}, {@code aarch64}). */
    static String unameMachine(String javaArch) {
        return switch (javaArch == null ? "" : javaArch.toLowerCase(Locale.ROOT)) {
            case "x86_64", "amd64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> javaArch;
        };
    }
}
