package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.MountedRootfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The mount stage's helper process: one process serves every mount and unmount, a dead one is replaced,
 * the kernel's refusals come back with their errno, and helpers that misbehave (never answer, end at once,
 * answer nonsense) fail the call clearly instead of hanging it. Real mounts: root only.
 */
class MountHelperTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    @AfterEach
    void unmount() throws Exception {
        Fixture.unmountAll(tmp);
    }

    @Test
    void oneHelperServesEveryMountAndEndsWithTheStage() throws Exception {
        Fixture.assumeRoot();
        MountStageComponent stage = stage();
        assertEquals("overlay", stage.snapshotter());
        long pid = stage.helperPid();
        assertTrue(pid > 0, "the probe started the helper");
        List<String> layers = List.of(layer("a").toString());
        for (int i = 0; i < 3; i++) {
            MountedRootfs rootfs = stage.mount(ID, layers);
            assertEquals("a", Files.readString(Path.of(rootfs.rootfs()).resolve("seen")));
            stage.unmount(ID);
            assertEquals(List.of(), Fixture.mountsUnder(tmp.resolve("mounts")));
        }
        assertEquals(pid, stage.helperPid(), "the same process served every call");
        stage.deactivate();
        assertTrue(ended(pid), "the helper ended with the stage");
        BerthException e = assertThrows(BerthException.class, () -> stage.mount(ID, layers));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertEquals(List.of(), Fixture.mountsUnder(tmp.resolve("mounts")), "nothing mounted by the refused call");
    }

    @Test
    void aKilledHelperIsReplacedOnTheNextCall() throws Exception {
        Fixture.assumeRoot();
        MountStageComponent stage = stage();
        long pid = stage.helperPid();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        assertTrue(ended(pid));
        MountedRootfs rootfs = stage.mount(ID, List.of(layer("a").toString()));
        assertTrue(Files.exists(Path.of(rootfs.rootfs()).resolve("seen")));
        assertNotEquals(pid, stage.helperPid());
        stage.unmount(ID);
        stage.deactivate();
    }

    @Test
    void withoutItsFolderTheStageMountsThroughMount8() throws Exception {
        Fixture.assumeRoot();
        Files.writeString(tmp.resolve("bin"), "a file where the helper's folder would go");
        MountStageComponent stage = stage();
        assertEquals(-1, stage.helperPid());
        assertEquals("overlay", stage.snapshotter());
        MountedRootfs rootfs = stage.mount(ID, List.of(layer("a").toString()));
        assertTrue(Files.exists(Path.of(rootfs.rootfs()).resolve("seen")));
        stage.unmount(ID);
        assertEquals(List.of(), Fixture.mountsUnder(tmp.resolve("mounts")));
    }

    @Test
    void theKernelsRefusalComesBackWithItsErrno() throws Exception {
        Fixture.assumeRoot();
        Path target = Files.createDirectories(tmp.resolve("target"));
        try (MountHelper helper = helper()) {
            IOException e = assertThrows(IOException.class, () -> helper.mountOverlay("lowerdir=/proc/sys,upperdir="
                    + tmp.resolve("u") + ",workdir=" + tmp.resolve("w"), target));
            assertTrue(e.getMessage().contains("mount(2) of an overlay on " + target)
                    && e.getMessage().contains("(errno "), e.getMessage());
            String notMounted = helper.umount(target);
            assertTrue(notMounted.contains("umount(2) of " + target) && notMounted.contains("errno 22"), notMounted);
        }
    }

    @Test
    void theHelperOutlivesTheThreadThatStartedIt() throws Exception {
        Fixture.assumeRoot();
        try (MountHelper helper = helper()) {
            Path target = Files.createDirectories(tmp.resolve("target"));
            Thread starter = new Thread(() -> {
                try {
                    helper.umount(target);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            starter.start();
            starter.join();
            long pid = helper.pid();
            assertTrue(pid > 0);
            Thread.sleep(200);
            assertTrue(helper.umount(target).contains("errno 22"), "the same helper still answers");
            assertEquals(pid, helper.pid(), "a pool thread that ends must not take the helper with it");
        }
    }

    @Test
    void theHelperEndsWhenItsPipeCloses() throws Exception {
        Path executable = dev.berth.api.plugin.BundledExecutable.extract(MountHelper.class, MountHelper.RESOURCE,
                tmp.resolve("bin"));
        Process process = new ProcessBuilder(executable.toString()).start();
        process.getOutputStream().close(); // what the daemon's death does to it
        assertTrue(process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "it ended at end of input");
        assertEquals(0, process.exitValue());
    }

    @Test
    void aNulByteNeverReachesTheHelper() throws Exception {
        Fixture.assumeRoot();
        try (MountHelper helper = helper()) {
            IOException e = assertThrows(IOException.class, () -> helper.mountOverlay("lowerdir=/a\0b", tmp));
            assertTrue(e.getMessage().contains("NUL"), e.getMessage());
            assertEquals(-1, helper.pid(), "refused before the helper was even started");
        }
    }

    /** Stand-in helpers that break the protocol; each call must fail with these words, within its timeout. */
    static Stream<Arguments> brokenHelpers() {
        return Stream.of(
                broken("NeverAnswers", "exec sleep 30", "no answer after"),
                broken("EndsAtOnce", "exit 3", "ended without answering (exit code 3)"),
                broken("AnswersNonsense", "head -c 1 >/dev/null; echo 'hello there'; exec sleep 30",
                        "unreadable answer \"hello there\""),
                broken("AnswersAHugeErrno", "head -c 1 >/dev/null; echo '99999 nope'; exec sleep 30",
                        "unreadable answer \"99999 nope\""));
    }

    private static Arguments broken(String name, String script, String words) {
        return Arguments.of(Named.of(name, script), words);
    }

    @ParameterizedTest
    @MethodSource("brokenHelpers")
    void aBrokenHelperFailsTheCallClearly(String script, String words) throws Exception {
        Path fake = tmp.resolve("fake-helper");
        Files.writeString(fake, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        // 2 s: long enough for a shell to start and answer on a loaded 2-core CI machine, so that only
        // "NeverAnswers" meets the timeout.
        try (MountHelper helper = new MountHelper(fake, Duration.ofSeconds(2))) {
            IOException e = assertThrows(IOException.class, () -> helper.umount(tmp.resolve("x")));
            assertTrue(e.getMessage().contains(words), e.getMessage());
            assertEquals(-1, helper.pid(), "the broken helper was ended");
        }
    }

    /**
     * The helper stops reading before the request is written, and ends: the write fails (a broken pipe, or
     * "Stream closed" once the JDK has reaped the helper), and the error names the helper's exit rather than
     * the write. CI hit this with the "EndsAtOnce" case above, whose helper sometimes ends before the
     * request is written; here the helper closes its input first, so the order is certain.
     */
    @Test
    void aHelperThatStoppedReadingIsNamedByItsExit() throws Exception {
        Path fake = tmp.resolve("fake-helper");
        Files.writeString(fake, "#!/bin/sh\nexec 0<&-\nsleep 0.3\nexit 3\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (MountHelper helper = new MountHelper(fake, Duration.ofMillis(500))) {
            Path input = Path.of("/proc", Long.toString(helper.start()), "fd", "0");
            for (int i = 0; i < 200 && Files.exists(input, java.nio.file.LinkOption.NOFOLLOW_LINKS); i++) {
                Thread.sleep(10);
            }
            assertFalse(Files.exists(input, java.nio.file.LinkOption.NOFOLLOW_LINKS), "it closed its input");
            IOException e = assertThrows(IOException.class, () -> helper.umount(tmp.resolve("x")));
            assertTrue(e.getMessage().contains("ended without answering (exit code 3)"), e.getMessage());
            assertEquals(-1, helper.pid(), "the ended helper was let go");
        }
    }

    /** Whether process {@code pid} is gone within 5 s. */
    private static boolean ended(long pid) throws Exception {
        ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
        if (handle != null) {
            handle.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
        }
        return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    private MountStageComponent stage() throws BerthException {
        return new MountStageComponent(Map.of("berth.root", tmp.toString())::get);
    }

    private MountHelper helper() throws IOException {
        return new MountHelper(dev.berth.api.plugin.BundledExecutable.extract(MountHelper.class,
                MountHelper.RESOURCE, tmp.resolve("bin")), Duration.ofSeconds(10));
    }

    private Path layer(String content) throws IOException {
        Path layer = Files.createDirectories(tmp.resolve("layers").resolve(content));
        Files.writeString(layer.resolve("seen"), content);
        return layer;
    }
}
