package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Catching a signal for a session and letting go of it afterwards (SIGWINCH: harmless to this JVM). */
class SignalForwardingTest {
    private static void raise(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(ProcessHandle.current().pid())).start();
        assertEquals(0, kill.waitFor());
    }

    @Test
    void aCaughtSignalRunsTheActionUntilClosed() throws Exception {
        Semaphore seen = new Semaphore(0);
        try (SignalForwarding signals = new SignalForwarding()) {
            assertTrue(signals.on("WINCH", seen::release));
            raise("WINCH");
            assertTrue(seen.tryAcquire(5, TimeUnit.SECONDS), "SIGWINCH not seen");
        }
        raise("WINCH");
        assertFalse(seen.tryAcquire(500, TimeUnit.MILLISECONDS), "still caught after close");
    }

    @Test
    void anUnknownSignalIsRefusedQuietly() {
        try (SignalForwarding signals = new SignalForwarding()) {
            assertFalse(signals.on("NOSUCHSIGNAL", () -> { }));
        }
    }
}
