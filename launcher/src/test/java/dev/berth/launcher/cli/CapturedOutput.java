package dev.berth.launcher.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Captures what a command prints and lets a test wait until a given number of complete lines have arrived.
 * Thread-safe: the CLI writes from the test thread, the fake daemon waits from its own.
 */
final class CapturedOutput extends OutputStream {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Semaphore lines = new Semaphore(0);
    private final PrintStream stream = new PrintStream(this, false, StandardCharsets.UTF_8);

    PrintStream stream() {
        return stream;
    }

    @Override
    public synchronized void write(int b) {
        bytes.write(b);
        if (b == '\n') {
            lines.release();
        }
    }

    @Override
    public synchronized void write(byte[] buffer, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            write(buffer[i]);
        }
    }

    /** Waits until {@code count} more newlines were written (and flushed through the PrintStream). */
    boolean awaitLines(int count, long timeoutMillis) throws InterruptedException {
        return lines.tryAcquire(count, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    String text() {
        stream.flush();
        synchronized (this) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
