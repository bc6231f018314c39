package dev.berth.plugin.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The monitor's exit file, which it does not sync: what a host crash can leave of it still reads. */
class ExitFileTest {
    @TempDir
    Path dir;

    @Test
    void aWholeFileReadsAsWritten() throws Exception {
        Files.writeString(dir.resolve(ExitFile.NAME), "{\"exitCode\":137,\"signal\":9,\"finishedAt\":\"2026-11-30T22:00:00Z\"}");
        ExitFile exit = ExitFile.read(dir).orElseThrow();
        assertEquals(new ExitFile(137, 9, "2026-11-30T22:00:00Z", null), exit);
    }

    @Test
    void noFileIsNoExitYet() throws Exception {
        assertEquals(Optional.empty(), ExitFile.read(dir));
    }

    @Test
    void zeroedBlocksWhereTextWasReadAsAnUnknownExit() throws Exception {
        Files.write(dir.resolve(ExitFile.NAME), new byte[] {0, 0, 0, 0});
        ExitFile exit = ExitFile.read(dir).orElseThrow();
        assertEquals(-1, exit.exitCode());
        assertTrue(exit.error().contains("not valid JSON"), exit.error());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty, as a crash right after the rename leaves it | '' | empty",
        "cut short in the middle | '{\"exitCode\":13' | not valid JSON",
        "an exit code that is not a number | '{\"exitCode\":\"x\"}' | not valid JSON"})
    void whatAHostCrashLeavesReadsAsAnUnknownExitNamingTheFile(String name, String content, String why)
            throws Exception {
        Files.writeString(dir.resolve(ExitFile.NAME), content);
        ExitFile exit = ExitFile.read(dir).orElseThrow();
        assertEquals(-1, exit.exitCode());
        assertNull(exit.finishedAt());
        assertTrue(exit.error().contains(dir.resolve(ExitFile.NAME).toString()), exit.error());
        assertTrue(exit.error().contains(why), exit.error());
    }
}
