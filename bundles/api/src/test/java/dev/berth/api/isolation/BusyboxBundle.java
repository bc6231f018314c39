package dev.berth.api.isolation;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Test fixture for module authors: an OCI bundle whose rootfs is a static busybox with the applets a test
 * names, run in the foreground by the real runc or crun, the container deleted after every run. A test
 * that cannot run on this host (not root, no runtime, no busybox) is skipped with the reason printed,
 * never silently. Layout under the folder given to {@link #create}: {@code rootfs/} (bin/busybox, the
 * applet links, empty proc, dev, sys and tmp), {@code bundle/config.json}, and {@code state/}, the
 * runtime's {@code --root}. Every folder on the way is 0755, so a root mapped into a user namespace can
 * reach the rootfs. Not thread-safe: one run at a time per bundle.
 *
 * <pre>{@code
 * BusyboxBundle bundle = BusyboxBundle.forRuntime("runc", tempDir, "sh", "cat"); // root, runc and busybox, or skipped
 * ObjectNode config = BusyboxBundle.applying(bundle.baseConfig("sh", "-c", "cat /proc/self/status"), contribution);
 * BusyboxBundle.Run run = bundle.run("runc", config);
 * assertEquals(0, run.exitCode(), run.output());
 * }</pre>
 */
public final class BusyboxBundle {
    /** The busybox binary copied into every rootfs (Debian's busybox-static). */
    public static final Path BUSYBOX = Path.of("/bin/busybox");
    /** The hostname {@link #baseConfig} gives the container. */
    public static final String HOSTNAME = "berth-test";
    /** How long {@link #run(String)} waits for the container to exit. */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The spec stage's default mounts (Docker's), in mount order. */
    private static final String MOUNTS = """
            [{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]},
             {"destination":"/dev","type":"tmpfs","source":"tmpfs",
              "options":["nosuid","strictatime","mode=755","size=65536k"]},
             {"destination":"/dev/pts","type":"devpts","source":"devpts",
              "options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},
             {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]},
             {"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","noexec","nodev"]},
             {"destination":"/dev/shm","type":"tmpfs","source":"shm",
              "options":["nosuid","noexec","nodev","mode=1777","size=65536k"]}]
            """;
    private static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
            "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
            "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware");
    private static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");
    private static final List<String> NAMESPACES = List.of("ipc", "mount", "network", "pid", "uts");

    /**
     * What one run left: the container's id, the runtime's exit code (the container's, when it ran), and
     * everything the runtime and the container wrote to stdout and stderr, interleaved as written.
     */
    public record Run(String containerId, int exitCode, String output) {
    }

    private final Path rootfs;
    private final Path bundle;
    private final Path state;

    private BusyboxBundle(Path rootfs, Path bundle, Path state) {
        this.rootfs = rootfs;
        this.bundle = bundle;
        this.state = state;
    }

    /**
     * Makes {@code dir}/rootfs with busybox linked as each of {@code applets} (such as "sh", "cat"), and
     * an empty {@code dir}/bundle. Skips the test, with the reason printed, when there is no busybox.
     */
    public static BusyboxBundle create(Path dir, String... applets) throws IOException {
        skipUnless(Files.isExecutable(BUSYBOX), "no " + BUSYBOX + " (install busybox-static)");
        Path rootfs = traversable(Files.createDirectories(dir.resolve("rootfs")));
        traversable(dir);
        Path bin = Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : applets) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        for (String mountPoint : List.of("proc", "dev", "sys", "tmp")) {
            Files.createDirectories(rootfs.resolve(mountPoint));
        }
        Path bundle = traversable(Files.createDirectories(dir.resolve("bundle")));
        return new BusyboxBundle(rootfs, bundle, dir.resolve("state"));
    }

    /**
     * {@link #create} after {@link #requireRoot} and {@link #requireRuntime requireRuntime(runtime)}: a bundle
     * {@code runtime} can be asked to run, or the test skipped with the reason printed.
     */
    public static BusyboxBundle forRuntime(String runtime, Path dir, String... applets)
            throws IOException, InterruptedException {
        requireRoot();
        requireRuntime(runtime);
        return create(dir, applets);
    }

    /** The rootfs folder, for tests that add files or read what the container left. */
    public Path rootfs() {
        return rootfs;
    }

    /** The bundle folder, where {@code config.json} is written (or a generator writes it). */
    public Path bundle() {
        return bundle;
    }

    /**
     * A config.json shaped like the spec stage's base, running {@code args}: uid 0, PATH with /bin, no
     * capabilities, RLIMIT_NOFILE 1024, this rootfs (absolute, writable), {@link #HOSTNAME}, Docker's
     * mounts, masked and read-only paths, and a deny-all device rule. Unlike the spec stage's base it
     * has Docker's five namespaces (ipc, mount, network, pid, uts), so it runs as it is; a module that
     * sets {@code /linux/namespaces} replaces them. A new object each call.
     */
    public ObjectNode baseConfig(String... args) {
        ObjectNode config = JSON.createObjectNode();
        config.put("ociVersion", "1.0.2");
        ObjectNode process = config.putObject("process");
        process.put("terminal", false);
        process.putObject("user").put("uid", 0).put("gid", 0);
        strings(process.putArray("args"), List.of(args));
        process.putArray("env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        process.put("cwd", "/");
        ObjectNode capabilities = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            capabilities.putArray(set);
        }
        process.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
        process.put("noNewPrivileges", false);
        config.putObject("root").put("path", rootfs.toString()).put("readonly", false);
        config.put("hostname", HOSTNAME);
        config.set("mounts", parse(MOUNTS));
        ObjectNode linux = config.putObject("linux");
        linux.putObject("resources").putArray("devices").addObject().put("allow", false).put("access", "rwm");
        ArrayNode namespaces = linux.putArray("namespaces");
        NAMESPACES.forEach(type -> namespaces.addObject().put("type", type));
        strings(linux.putArray("maskedPaths"), MASKED_PATHS);
        strings(linux.putArray("readonlyPaths"), READONLY_PATHS);
        return config;
    }

    /**
     * Sets {@code contribution}'s fields into {@code spec} the way the spec stage does: missing (or null)
     * parents on each field's pointer made as objects, the last member replaced by the field's value, or
     * removed when the value is null (nothing made for a removal). A parent that is there but not an object
     * is an {@link IllegalArgumentException}. Returns {@code spec}, changed in place.
     */
    public static ObjectNode applying(ObjectNode spec, Contribution contribution) {
        for (SpecField field : contribution.fields()) {
            apply(spec, field);
        }
        return spec;
    }

    private static void apply(ObjectNode spec, SpecField field) {
        JsonPointer pointer = JsonPointer.compile(field.pointer());
        String member = pointer.last().getMatchingProperty();
        if (field.removes()) {
            if (spec.at(pointer.head()) instanceof ObjectNode parent) {
                parent.remove(member);
            } // else nothing there to leave out
            return;
        }
        try {
            spec.withObject(pointer.head(), JsonNode.OverwriteMode.NULLS, false).set(member, parse(field.value()));
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException("apply " + field.pointer() + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code config} as the bundle's config.json and returns the file. */
    public Path write(ObjectNode config) throws IOException {
        return write(JSON.writeValueAsString(config));
    }

    /** Writes the JSON text {@code config} as the bundle's config.json and returns the file. */
    public Path write(String config) throws IOException {
        return Files.writeString(bundle.resolve("config.json"), config, StandardCharsets.UTF_8);
    }

    /** The bundle's config.json as it stands. */
    public ObjectNode config() throws IOException {
        return (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    }

    /** Writes {@code config} and runs it with {@code runtime} ({@code runc} or {@code crun}). */
    public Run run(String runtime, ObjectNode config) throws IOException, InterruptedException {
        write(config);
        return run(runtime);
    }

    /** Runs the bundle's config.json as it stands with {@code runtime}, waiting {@link #TIMEOUT}. */
    public Run run(String runtime) throws IOException, InterruptedException {
        return run(runtime, TIMEOUT);
    }

    /**
     * Runs the bundle's config.json as it stands with {@code runtime} found on PATH ({@code runtime --root
     * STATE run --bundle BUNDLE ID}, stdin from /dev/null), waiting at most {@code timeout}; the container
     * is deleted with {@code delete --force} afterwards whatever happened. A run that outlasts
     * {@code timeout} is killed and fails the test.
     */
    public Run run(String runtime, Duration timeout) throws IOException, InterruptedException {
        String id = "berth-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        Path output = Files.createTempFile(state.getParent(), id, ".out");
        Process process = new ProcessBuilder(runtime, "--root", state.toString(), "run", "--bundle", bundle.toString(),
                id).directory(bundle.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(output.toFile()).start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(runtime + " run " + id + " did not finish within " + timeout + ":\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Run(id, process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            new ProcessBuilder(runtime, "--root", state.toString(), "delete", "--force", id)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor(30, TimeUnit.SECONDS);
            Files.deleteIfExists(output);
        }
    }

    /** Skips the test, with the reason printed, unless it runs as root (uid 0). */
    public static void requireRoot() throws IOException {
        String uid = "";
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                uid = line.split("\\s+")[1];
            }
        }
        skipUnless(uid.equals("0"), "not running as root (uid " + uid + ")");
    }

    /**
     * Skips the test, with the reason printed, unless {@code runtime} is an executable on PATH whose
     * {@code --version} succeeds; returns where it was found.
     */
    public static Path requireRuntime(String runtime) throws IOException, InterruptedException {
        Path found = null;
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, runtime);
            if (found == null && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                found = candidate;
            }
        }
        skipUnless(found != null, runtime + " is not on PATH");
        Process version = new ProcessBuilder(found.toString(), "--version").redirectErrorStream(true).start();
        String text = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        boolean ended = version.waitFor(10, TimeUnit.SECONDS);
        skipUnless(ended && version.exitValue() == 0, found + " --version failed: " + text);
        return found;
    }

    /**
     * Skips the test unless {@code condition} holds, printing "SKIPPED: " with the calling class and
     * {@code reason} to stdout first, so a skipped real-runtime test is never silent in the build log.
     */
    public static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            String caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                    .map(StackWalker.StackFrame::getDeclaringClass).filter(c -> c != BusyboxBundle.class)
                    .findFirst().map(Class::getSimpleName).orElse("?"));
            System.out.println("SKIPPED: " + caller + ": " + reason);
        }
        Assumptions.assumeTrue(condition, reason);
    }

    private static Path traversable(Path dir) throws IOException {
        Files.setAttribute(dir, "unix:mode", 0755);
        return dir;
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("parse " + json, e);
        }
    }
}
