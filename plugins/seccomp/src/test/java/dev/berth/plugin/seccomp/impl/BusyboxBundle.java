package dev.berth.plugin.seccomp.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: an OCI bundle with a busybox rootfs and a small config.json (new pid, mount, ipc, uts and
 * network namespaces, Docker's 14 capabilities, no new privileges), run in the foreground by a real
 * runtime. Needs root and /bin/busybox.
 */
final class BusyboxBundle {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** What a run printed (stdout and stderr together) and its exit code. */
    record Result(int exitCode, String output) {
    }

    final Path dir;

    private BusyboxBundle(Path dir) {
        this.dir = dir;
    }

    /** Creates {@code dir}/rootfs with busybox and the applets the tests use. */
    static BusyboxBundle create(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("rootfs/bin"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : List.of("sh", "unshare", "true", "echo", "ls", "cat", "mkdir")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        for (String d : List.of("proc", "dev", "tmp")) {
            Files.createDirectories(dir.resolve("rootfs").resolve(d));
        }
        return new BusyboxBundle(dir);
    }

    /** Writes config.json running {@code args}, with {@code seccomp} (JSON text) at linux.seccomp, or none. */
    void configure(Optional<String> seccomp, String... args) throws IOException {
        ObjectNode spec = JSON.createObjectNode();
        spec.put("ociVersion", "1.0.2");
        ObjectNode process = spec.putObject("process");
        process.put("terminal", false);
        process.putObject("user").put("uid", 0).put("gid", 0);
        ArrayNode a = process.putArray("args");
        for (String arg : args) {
            a.add(arg);
        }
        process.putArray("env").add("PATH=/bin");
        process.put("cwd", "/");
        ObjectNode caps = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            ArrayNode names = caps.putArray(set);
            DEFAULT_CAPS.forEach(names::add);
        }
        process.put("noNewPrivileges", true);
        spec.putObject("root").put("path", "rootfs").put("readonly", true);
        spec.put("hostname", "seccomp-test");
        ArrayNode mounts = spec.putArray("mounts");
        mounts.addObject().put("destination", "/proc").put("type", "proc").put("source", "proc");
        ObjectNode dev = mounts.addObject().put("destination", "/dev").put("type", "tmpfs").put("source", "tmpfs");
        dev.putArray("options").add("nosuid").add("strictatime").add("mode=755").add("size=65536k");
        mounts.addObject().put("destination", "/tmp").put("type", "tmpfs").put("source", "tmpfs");
        ObjectNode linux = spec.putObject("linux");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "mount", "ipc", "uts", "network")) {
            namespaces.addObject().put("type", ns);
        }
        if (seccomp.isPresent()) {
            linux.set("seccomp", JSON.readTree(seccomp.get()));
        }
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(spec), StandardCharsets.UTF_8);
    }

    JsonNode config() throws IOException {
        return JSON.readTree(dir.resolve("config.json").toFile());
    }

    /** Runs the bundle in the foreground with {@code runtime} ({@code runc} or {@code crun}). */
    Result run(String runtime) throws IOException, InterruptedException {
        String id = "berth-seccomp-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        List<String> command = new ArrayList<>(List.of(runtime, "run", "--bundle", dir.toString(), id));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            new ProcessBuilder(runtime, "delete", "--force", id).start().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException(runtime + " run " + id + " did not end within 60 s");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.exitValue(), output);
    }

    /** Why {@code runtime} cannot run containers here, or empty when it can (checked with a run of true). */
    static Optional<String> unusable(String runtime, Path scratch) {
        try {
            Process version = new ProcessBuilder(runtime, "--version").redirectErrorStream(true).start();
            String v = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!version.waitFor(10, TimeUnit.SECONDS) || version.exitValue() != 0) {
                return Optional.of(runtime + " --version failed: " + v.strip());
            }
            BusyboxBundle probe = create(scratch);
            probe.configure(Optional.empty(), "true");
            Result r = probe.run(runtime);
            return r.exitCode() == 0 ? Optional.empty()
                    : Optional.of(runtime + " cannot run a trivial container here (exit " + r.exitCode() + "): "
                            + r.output().strip());
        } catch (IOException | InterruptedException | RuntimeException e) {
            return Optional.of(runtime + " is not usable: " + e);
        }
    }
}
