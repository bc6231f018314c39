package dev.berth.plugin.expand.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Inflates with the host's {@code igzip -d -c} (Intel ISA-L), in a process of its own: a thread of the daemon
 * feeds it the compressed bytes on its standard input, and the stream reads the tar from its standard output.
 * Stateless and thread-safe; each {@link #open} starts one process, which ends with the stream.
 *
 * <p>As containerd does with {@code unpigz}: the same bytes in and out as the JDK's zlib, but ISA-L inflates
 * about two and a half times as fast (a 49 MB Debian layer: 0.25 against 0.65 s of one core here), and the
 * inflating moves off the JVM's threads onto a core of its own.
 *
 * <p>Failures: when the data is truncated or corrupt igzip exits non-zero, and the stream's last read throws an
 * {@link IOException} with igzip's own message; when reading the compressed input fails (a blob whose digest does
 * not match, a lost download), igzip is killed and the reader gets that failure, unchanged. {@link #open}'s
 * stream, closed before its end, kills igzip and waits for it, so no process outlives an unpack.
 *
 * <p>The compression-ratio limit ({@link Limits#maxCompressionRatio}) counts the compressed bytes the feeder has
 * read, and igzip reads its input in blocks of 1 MiB before it inflates them: the count runs up to about 1.2 MiB
 * ahead of what is inflated, against about 0.1 MiB with the JDK's inflater. A bomb of zeros gzipped at level 9
 * (ratio 1030) is refused after 5.4 GB here, after 2.4 GB in the JDK's zlib (docs/benchmarks.md); the limit on
 * the uncompressed size ({@link Limits#maxLayerBytes}) is exact either way.
 */
record HostGunzip(String executable) implements Gunzip {
    /** The tool's name on {@code PATH}. */
    static final String TOOL = "igzip";
    /** How much of igzip's standard error a failure quotes. */
    private static final int MAX_MESSAGE = 1024;
    private static final int FEED_BUFFER = 1 << 16;
    /** How long closing waits for the feeding thread, which may be blocked reading a slow blob. */
    private static final long FEEDER_JOIN_SECONDS = 30;

    /** Runs {@code executable}, an absolute path to igzip. */
    HostGunzip {
        Objects.requireNonNull(executable, "executable");
    }

    /** igzip's output; the JDK's inflater instead when igzip cannot be started (its package was removed since). */
    @Override
    public InputStream open(InputStream compressed) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(executable, "-d", "-c").start();
        } catch (IOException e) {
            return Gunzip.JDK.open(compressed);
        }
        return new Inflating(process, compressed);
    }

    /** igzip's standard output; not thread-safe (one reader), its feeding thread aside. */
    private static final class Inflating extends InputStream {
        private final Process process;
        private final InputStream inflated;
        private final Thread feeder;
        /** Why reading the compressed input failed, if it did; set by the feeder before it kills igzip. */
        private volatile IOException feedFailure;
        private boolean ended;

        Inflating(Process process, InputStream compressed) {
            this.process = process;
            this.inflated = process.getInputStream();
            this.feeder = new Thread(() -> feed(compressed), "berth-expand-gunzip-feed");
            feeder.setDaemon(true);
            feeder.start();
        }

        /** Copies {@code compressed} to igzip's standard input, to its end, then closes that input. */
        private void feed(InputStream compressed) {
            OutputStream stdin = process.getOutputStream();
            byte[] buffer = new byte[FEED_BUFFER];
            try {
                int n;
                while ((n = compressed.read(buffer)) >= 0) {
                    try {
                        stdin.write(buffer, 0, n);
                    } catch (IOException stopped) {
                        return; // igzip stopped reading: it failed or was killed, and its exit status says which
                    }
                }
            } catch (IOException | RuntimeException e) {
                feedFailure = e instanceof IOException io ? io : new IOException("read compressed layer: " + e, e);
                process.destroyForcibly();
            } finally {
                try {
                    stdin.close();
                } catch (IOException stopped) {
                    // igzip is gone already
                }
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            int n;
            try {
                n = inflated.read(b, off, len);
            } catch (IOException e) {
                // Killing igzip after a failed feed closes this pipe: the feed's failure is the one to report.
                IOException failed = feedFailure;
                throw failed != null ? failed : e;
            }
            if (n < 0) {
                finish();
                return -1;
            }
            return n;
        }

        /**
         * At the end of igzip's output: the feeder's failure, or igzip's, or the clean end. After a clean end the
         * feeder is waited for, as it reads what follows the gzip data to the source's end and the caller may read
         * on from there; after igzip's failure it is interrupted instead, since its source may be a download that
         * has not arrived yet, and nobody needs the rest of it.
         */
        private void finish() throws IOException {
            int status;
            try {
                status = process.waitFor();
                if (status == 0) {
                    feeder.join();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while inflating a layer");
            }
            IOException failed = feedFailure; // set before the feeder kills igzip, so seen once igzip is gone
            if (failed != null) {
                throw failed;
            }
            if (status != 0) {
                // igzip's message first: the interrupted feeder kills the (dead) process, which closes its pipes.
                byte[] said = process.getErrorStream().readNBytes(MAX_MESSAGE);
                feeder.interrupt();
                String message = new String(said, StandardCharsets.UTF_8).strip();
                throw new IOException("gzip data truncated or corrupt (igzip exited with status " + status
                        + (message.isEmpty() ? "" : ": " + message) + ")");
            }
            ended = true;
        }

        /**
         * Kills igzip if it is still running, interrupts the feeding thread if it is still reading its source (a
         * download's wait for more bytes ends at an interrupt), and waits for both.
         */
        @Override
        public void close() throws IOException {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            if (feeder.isAlive()) {
                feeder.interrupt();
            }
            try {
                process.waitFor();
                feeder.join(TimeUnit.SECONDS.toMillis(FEEDER_JOIN_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while stopping igzip");
            } finally {
                inflated.close();
                process.getErrorStream().close();
            }
        }
    }
}
