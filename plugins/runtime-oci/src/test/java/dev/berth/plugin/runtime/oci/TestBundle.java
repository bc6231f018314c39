package dev.berth.plugin.runtime.oci;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** Writes an OCI bundle for tests: a busybox-static root file system and a minimal config.json. */
public final class TestBundle {
    public static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final List<String> APPLETS = List.of("sh", "echo", "cat", "sleep", "true", "tty", "head", "tr",
            "printf", "dd");

    private TestBundle() {
    }

    /** Makes {@code dir} (0755) with {@code rootfs/} and a config.json running {@code args}. */
    public static Path create(Path dir, String id, List<String> args, boolean terminal) throws IOException {
        return write(dir, config(id, args, terminal));
    }

    public static Path write(Path dir, JsonObject config) throws IOException {
        Path bin = dir.resolve("rootfs/bin");
        Files.createDirectories(bin);
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        for (String d : List.of("proc", "dev", "sys", "tmp")) {
            Files.createDirectories(dir.resolve("rootfs").resolve(d));
        }
        for (Path p : List.of(dir, dir.resolve("rootfs"), bin)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.writeString(dir.resolve("config.json"), config.encodePrettily());
        return dir;
    }

    /** A config like {@code runc spec}'s, with cgroupsPath {@code /berth/<id>}. */
    public static JsonObject config(String id, List<String> args, boolean terminal) {
        JsonArray caps = new JsonArray(List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"));
        JsonObject process = new JsonObject().put("terminal", terminal)
                .put("user", new JsonObject().put("uid", 0).put("gid", 0))
                .put("args", new JsonArray(args))
                .put("env", new JsonArray(List.of("PATH=/bin", "TERM=xterm")))
                .put("cwd", "/")
                .put("capabilities", new JsonObject().put("bounding", caps).put("effective", caps)
                        .put("permitted", caps).put("ambient", caps))
                .put("rlimits", new JsonArray().add(new JsonObject().put("type", "RLIMIT_NOFILE").put("hard", 1024)
                        .put("soft", 1024)))
                .put("noNewPrivileges", true);
        JsonArray mounts = new JsonArray()
                .add(mount("/proc", "proc", "proc", List.of()))
                .add(mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")))
                .add(mount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")))
                .add(mount("/dev/shm", "tmpfs", "shm",
                        List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")))
                .add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
        JsonArray namespaces = new JsonArray();
        for (String ns : List.of("pid", "network", "ipc", "uts", "mount")) {
            namespaces.add(new JsonObject().put("type", ns));
        }
        JsonObject linux = new JsonObject().put("cgroupsPath", "/berth/" + id).put("namespaces", namespaces)
                .put("resources", new JsonObject().put("devices",
                        new JsonArray().add(new JsonObject().put("allow", false).put("access", "rwm"))))
                .put("maskedPaths", new JsonArray(List.of("/proc/kcore", "/proc/keys", "/sys/firmware")))
                .put("readonlyPaths", new JsonArray(List.of("/proc/bus", "/proc/sys")));
        return new JsonObject().put("ociVersion", "1.0.2-dev").put("process", process)
                .put("root", new JsonObject().put("path", "rootfs").put("readonly", true))
                .put("hostname", "berth-test").put("mounts", mounts).put("linux", linux);
    }

    private static JsonObject mount(String dest, String type, String source, List<String> options) {
        JsonObject m = new JsonObject().put("destination", dest).put("type", type).put("source", source);
        if (!options.isEmpty()) {
            m.put("options", new JsonArray(options));
        }
        return m;
    }
}
