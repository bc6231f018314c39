package dev.berth.engine.impl;

import dev.berth.api.event.EventDrafts;
import dev.berth.api.event.EventType;
import dev.berth.api.events.ContainerExited;
import dev.berth.api.events.ContainerKilled;
import dev.berth.api.events.ContainerRemoved;
import dev.berth.api.events.ContainerStarted;
import dev.berth.api.events.EngineStarted;
import dev.berth.api.events.EngineStopped;
import dev.berth.api.events.ImagePulled;
import dev.berth.api.events.RootfsMounted;
import dev.berth.api.events.RootfsUnmounted;
import dev.berth.eventlog.impl.SegmentedEventLog;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes the event-log fixture that {@link SchemaEvolutionFixtureTest} reads: the log an engine from before
 * isolation modules left behind, with {@code container.created} and {@code spec.generated} at version 1 and
 * every other event at the version it has today. Two containers from one busybox image: {@code web} (64 MiB
 * memory limit, a read-only volume, stopped with {@code berth stop}) and {@code job} (run with {@code --rm},
 * exits 3 and is removed). Times come from a fixed clock, so the files come out the same on every run.
 *
 * <p>Run by hand, never by a test: the fixture is committed as written, and the point of it is that today's
 * engine reads those bytes. Regenerate it only on purpose (for instance when its story changes), from
 * {@code bundles/engine}:
 *
 * <pre>
 * rm -r src/test/resources/fixtures/log-v1
 * mvn -B -q -ntp -o test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath
 * java -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *     dev.berth.engine.impl.LogFixtureWriter src/test/resources/fixtures/log-v1
 * </pre>
 *
 * It refuses a directory that already holds segments and removes the log's lock file when done, so only the
 * segment files remain. Small segments make the fixture span more than one file, as a long-lived log does.
 * Public, with public version-1 payload records, because {@link EventDrafts} renders records reflectively from
 * another bundle.
 */
public final class LogFixtureWriter {
    static final String WEB_ID = "eeb3af32141691bf8af15af9c5b1d5df10068c685ce88066497bb23fc12f4073";
    static final String JOB_ID = "20990285e527879c85754b49cb2a958d91284b5306417df52940b6b8ef355a56";
    static final String MANIFEST = "sha256:c15589514e42678aab391f14b7ec0aa37abd3e28d12877d240b5ea2110f7a12b";
    static final String CONFIG = "sha256:6ed7557113590a5537c9c632d073c46005acce017116a2293a53803da759f029";
    static final String LAYER = "sha256:500c356d9e43f1eedfad8ed3d3547976405fbcc40782fb4510b2f69241e86c1f";
    static final String CHAIN_ID = "sha256:019145479546b8d03d490fb7e243259c2bbdcb6f812b50484038a3a7d4ddacdb";
    static final String WEB_SPEC = "sha256:d34f982b7377444ec88c2ff23bea5a5bd5ffba6f3f946774c68a0d9c1e9cbd4e";
    static final String JOB_SPEC = "sha256:fd9fcc45db83aa0156e902d3d57d98c8b8d8e788084b0910c144483f84bddaa0";
    static final String IMAGE = "docker.io/library/busybox:1.36";
    static final long WEB_MEMORY = 64L << 20;
    /** How many records the fixture holds. */
    static final int RECORDS = 17;
    /** The segment size the fixture was written with. */
    static final long SEGMENT_BYTES = 2048;

    private static final Instant BOOT = Instant.parse("2024-03-04T09:00:00Z");

    /** {@code container.created} version 1: {@code options.memory} in bytes (0 for none), no isolation options. */
    @EventType(name = "container.created", version = 1)
    public record ContainerCreatedV1(String name, String image, String imageDigest, String runtime, String specDigest,
            RunOptionsV1 options, boolean autoRemove) {
    }

    /** The run options of {@code container.created} version 1. */
    public record RunOptionsV1(List<String> command, List<String> entrypoint, List<String> env, String workingDir,
            String user, String hostname, boolean readOnly, List<VolumeV1> volumes, boolean tty, boolean stdin,
            String runtime, long memory) {
    }

    /** A volume of {@code container.created} version 1: no SELinux relabel. */
    public record VolumeV1(String source, String target, boolean readOnly) {
    }

    /** {@code spec.generated} version 1: no isolation modules. */
    @EventType(name = "spec.generated", version = 1)
    public record SpecGeneratedV1(String digest, List<String> args, int uid, int gid, String cwd, List<String> decisions) {
    }

    private final SegmentedEventLog log;
    private final AtomicReference<Instant> now;

    private LogFixtureWriter(SegmentedEventLog log, AtomicReference<Instant> now) {
        this.log = log;
        this.now = now;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: LogFixtureWriter DIRECTORY");
        }
        write(Path.of(args[0]));
        System.out.println("wrote " + RECORDS + " records to " + Path.of(args[0]).toAbsolutePath());
    }

    /** Writes the fixture log into {@code dir}, which must not hold a log yet. */
    static void write(Path dir) throws Exception {
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> segments = Files.newDirectoryStream(dir, "segment-*.log")) {
                if (segments.iterator().hasNext()) {
                    throw new IllegalStateException("write log fixture " + dir + ": it already holds a log; "
                            + "delete it first if it is meant to change");
                }
            }
        }
        AtomicReference<Instant> now = new AtomicReference<>(BOOT);
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults()
                .withSegmentBytes(SEGMENT_BYTES).withClock(now::get);
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            new LogFixtureWriter(log, now).story();
            if (log.head().sequence() != RECORDS) {
                throw new IllegalStateException("wrote " + log.head().sequence() + " records, expected " + RECORDS);
            }
        }
        Files.deleteIfExists(dir.resolve("lock"));
    }

    private void story() {
        at(0, "engine", new EngineStarted("0.1.0", 812, "/var/lib/berth", "/run/berth", "17.0.10",
                "6.1.0-18-amd64", List.of("dev.berth.eventlog", "dev.berth.engine", "dev.berth.plugin.pull",
                        "dev.berth.plugin.mount", "dev.berth.plugin.spec", "dev.berth.plugin.runc")));
        at(3, MANIFEST, new ImagePulled(IMAGE, MANIFEST, "application/vnd.oci.image.manifest.v1+json", CONFIG,
                "linux/amd64", List.of(LAYER), List.of(CHAIN_ID), 2_152_262));

        // berth run -d --name web -m 64m -v /srv/www:/var/www:ro busybox:1.36 httpd -f -p 8080 -h /var/www
        List<String> webArgs = List.of("httpd", "-f", "-p", "8080", "-h", "/var/www");
        at(10, WEB_ID, new RootfsMounted("overlay", "/var/lib/berth/mounts/" + WEB_ID + "/merged", 1));
        at(10, WEB_ID, new SpecGeneratedV1(WEB_SPEC, webArgs, 0, 0, "/", List.of(
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin: neither the image nor the "
                        + "options set PATH",
                "hostname " + WEB_ID.substring(0, 12) + ": the first 12 characters of the container id",
                "user root (0:0): neither the image nor the options name one",
                "memory limit 67108864 bytes: -m 64m")));
        at(10, WEB_ID, new ContainerCreatedV1("web", "busybox:1.36", MANIFEST, "runc", WEB_SPEC,
                new RunOptionsV1(webArgs, null, List.of(), null, null, null, false,
                        List.of(new VolumeV1("/srv/www", "/var/www", true)), false, false, null, WEB_MEMORY),
                false));
        at(11, WEB_ID, new ContainerStarted(4242, "runc"));

        // berth run --rm --name job busybox:1.36 sh -c 'exit 3'
        List<String> jobArgs = List.of("sh", "-c", "exit 3");
        at(20, JOB_ID, new RootfsMounted("overlay", "/var/lib/berth/mounts/" + JOB_ID + "/merged", 1));
        at(20, JOB_ID, new SpecGeneratedV1(JOB_SPEC, jobArgs, 0, 0, "/", List.of(
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin: neither the image nor the "
                        + "options set PATH",
                "hostname " + JOB_ID.substring(0, 12) + ": the first 12 characters of the container id",
                "user root (0:0): neither the image nor the options name one")));
        at(20, JOB_ID, new ContainerCreatedV1("job", "busybox:1.36", MANIFEST, "runc", JOB_SPEC,
                new RunOptionsV1(jobArgs, null, List.of(), null, null, null, false, List.of(), false, false, null,
                        0), true));
        at(21, JOB_ID, new ContainerStarted(4301, "runc"));
        at(22, JOB_ID, new ContainerExited(3, 0, false, BOOT.plusSeconds(22).toString(), null));
        at(22, JOB_ID, new RootfsUnmounted("overlay", "container exited"));
        at(22, JOB_ID, new ContainerRemoved("job", "--rm after exit"));

        // berth stop web
        at(300, WEB_ID, new ContainerKilled(15, "berth stop"));
        at(301, WEB_ID, new ContainerExited(143, 15, false, BOOT.plusSeconds(301).toString(), null));
        at(301, WEB_ID, new RootfsUnmounted("overlay", "container exited"));
        at(400, "engine", new EngineStopped("SIGTERM", Duration.ofSeconds(400).toMillis()));
    }

    /** Appends {@code payload} about {@code subject}, stamped {@code seconds} after boot, and waits until durable. */
    private void at(long seconds, String subject, Record payload) {
        now.set(BOOT.plusSeconds(seconds));
        log.append(EventDrafts.of(subject, payload)).toCompletableFuture().join();
    }
}
