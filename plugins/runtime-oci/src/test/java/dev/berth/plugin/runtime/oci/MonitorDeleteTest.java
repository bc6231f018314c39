package dev.berth.plugin.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The monitor's own end of a container: with {@code --oom-file} it records the cgroup's OOM-kill count
 * before the exit file, and with {@code --delete-at-exit} it then deletes the container from the runtime
 * itself. The real berth-shim, driving a stand-in runtime (a shell script that starts the process, records
 * every call and deletes nothing), so that what the monitor reads and runs is exactly what the test gave it.
 */
class MonitorDeleteTest {
    private static final Duration LIMIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private Path shim;
    private Path runtime;
    private Path calls;
    private Path state;

    @BeforeEach
    void setUp() throws Exception {
        shim = ShimBinary.extract(dir.resolve("shim-root"));
        calls = dir.resolve("calls");
        state = Files.createDirectories(dir.resolve("state"));
        runtime = dir.resolve("fake-runtime");
        // create: starts "sleep 0.2; exit 7" and writes its pid; anything else is only recorded.
        Files.writeString(runtime, "#!/bin/sh\n"
                + "echo \"$*\" >> '" + calls + "'\n"
                + "pidfile=\n"
                + "while [ $# -gt 0 ]; do\n"
                + "  case \"$1\" in --pid-file) pidfile=$2; shift;; create) create=1;; esac\n"
                + "  shift\n"
                + "done\n"
                + "if [ -n \"$create\" ]; then (sleep 0.2; exit 7) & echo $! > \"$pidfile\"; fi\n"
                + "exit 0\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "cgroup v1, killed          | oom_kill_disable 0\\nunder_oom 0\\noom_kill 2\\n                 | true",
        "cgroup v1, never killed    | oom_kill_disable 0\\nunder_oom 0\\noom_kill 0\\n                 | false",
        "cgroup v2, killed          | low 0\\nhigh 0\\nmax 4\\noom 1\\noom_kill 1\\noom_group_kill 0\\n | true",
        "cgroup v2, at its max only | low 0\\nhigh 0\\nmax 4\\noom 1\\noom_kill 0\\noom_group_kill 0\\n | false",
    })
    void theOomCountIsRecordedBeforeTheExitAndTheRuntimeDeletesAfterIt(String name, String counters, String killed)
            throws Exception {
        Path oomFile = dir.resolve("memory.oom_control");
        Files.writeString(oomFile, counters.replace("\\n", "\n"), StandardCharsets.UTF_8);
        int pid = launch(List.of("--oom-file", oomFile.toString(), Shims.DELETE_AT_EXIT));
        assertTrue(pid > 0);
        RuntimeFixture.await(LIMIT, () -> Files.exists(state.resolve(ExitFile.NAME)));
        assertEquals(killed, Files.readString(state.resolve("oom-killed")).strip(), "written before exit.json");
        assertEquals(7, ExitFile.read(state).orElseThrow().exitCode());
        awaitMonitorEnd();
        assertEquals(List.of("--root " + dir.resolve("runtime-root") + " delete --force c1"), deleteCalls());
    }

    @Test
    void withoutTheOptionsTheMonitorNeitherReadsNorDeletes() throws Exception {
        launch(List.of());
        RuntimeFixture.await(LIMIT, () -> Files.exists(state.resolve(ExitFile.NAME)));
        awaitMonitorEnd();
        assertEquals(List.of(), deleteCalls());
        assertFalse(Files.exists(state.resolve("oom-killed")));
    }

    @Test
    void anOomFileThatCannotBeReadLeavesTheCountToThePlugin() throws Exception {
        launch(List.of("--oom-file", dir.resolve("no-such-cgroup/memory.events").toString(), Shims.DELETE_AT_EXIT));
        RuntimeFixture.await(LIMIT, () -> Files.exists(state.resolve(ExitFile.NAME)));
        awaitMonitorEnd();
        assertFalse(Files.exists(state.resolve("oom-killed")));
        assertFalse(Files.exists(state.resolve("oom-killed.tmp")));
        assertEquals(1, deleteCalls().size(), "deleted all the same");
    }

    @Test
    void anExecMonitorRefusesBoth() throws Exception {
        Process p = new ProcessBuilder(List.of(shim.toString(), "exec", "--runtime", runtime.toString(),
                "--runtime-root", dir.resolve("runtime-root").toString(), "--id", "c1", "--state-dir",
                state.toString(), "--process", dir.resolve("process.json").toString(), Shims.DELETE_AT_EXIT))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(1, p.waitFor());
        assertEquals("error --delete-at-exit and --oom-file are for create only", out);
    }

    /** Starts a create monitor (no --wait-attach: the stand-in's create starts the process) and returns its pid. */
    private int launch(List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(shim.toString(), "create", "--runtime", runtime.toString(),
                "--runtime-root", dir.resolve("runtime-root").toString(), "--id", "c1", "--bundle",
                dir.toString(), "--state-dir", state.toString(), "--log", dir.resolve("c1.log").toString()));
        cmd.addAll(extra);
        return ShimLauncher.launch(cmd);
    }

    private void awaitMonitorEnd() throws InterruptedException {
        RuntimeFixture.await(LIMIT, () -> !Shims.alive(state));
    }

    private List<String> deleteCalls() throws Exception {
        return Files.readAllLines(calls).stream().filter(l -> l.contains(" delete ")).toList();
    }
}
