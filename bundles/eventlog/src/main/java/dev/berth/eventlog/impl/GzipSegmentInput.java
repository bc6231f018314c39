package dev.berth.eventlog.impl;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The segment bytes inside an archive file, decompressed as they are read. Reads are cheap going forward;
 * a read behind the current position starts decompressing again from the top. Not thread-safe: one reader
 * per input.
 */
final class GzipSegmentInput implements SegmentInput {
    private static final int BUFFER = 64 << 10;

    /**
     * The archive file is not valid gzip: not gzip at all, damaged deflate data, a trailer whose CRC or size
     * disagrees, or a stream cut short. Damage in the file, unlike an I/O error reading it.
     */
    static final class Corrupt extends IOException {
        private static final long serialVersionUID = 1L;

        Corrupt(Path file, IOException cause) {
            super("archive " + file + " is not valid gzip: " + describe(cause), cause);
        }

        /** What is wrong, without the file name. */
        String problem() {
            return "archive is not valid gzip: " + describe(getCause());
        }

        private static String describe(Throwable e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    private final Path file;
    private InputStream in;
    private long position;

    private GzipSegmentInput(Path file) {
        this.file = file;
    }

    /** Opens {@code file}; throws {@link Corrupt} when it does not start with a gzip header. */
    static GzipSegmentInput open(Path file) throws IOException {
        GzipSegmentInput input = new GzipSegmentInput(file);
        input.restart();
        return input;
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public int read(ByteBuffer into, long at) throws IOException {
        try {
            if (at < position) {
                restart();
            }
            while (position < at) {
                long skipped = in.skip(at - position);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        return -1;
                    }
                    skipped = 1;
                }
                position += skipped;
            }
            byte[] chunk = into.hasArray() ? into.array() : new byte[into.remaining()];
            int offset = into.hasArray() ? into.arrayOffset() + into.position() : 0;
            int read = in.read(chunk, offset, into.remaining());
            if (read > 0) {
                if (into.hasArray()) {
                    into.position(into.position() + read);
                } else {
                    into.put(chunk, 0, read);
                }
                position += read;
            }
            return read;
        } catch (ZipException | EOFException e) {
            throw new Corrupt(file, e);
        }
    }

    @Override
    public long length() {
        // The gzip trailer keeps the size only modulo 2^32; the true end shows when reading reaches it.
        return UNKNOWN_LENGTH;
    }

    @Override
    public void close() throws IOException {
        if (in != null) {
            InputStream closing = in;
            in = null;
            closing.close();
        }
    }

    private void restart() throws IOException {
        close();
        InputStream raw = Files.newInputStream(file);
        try {
            in = new GZIPInputStream(raw, BUFFER);
        } catch (ZipException | EOFException e) {
            raw.close();
            throw new Corrupt(file, e);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
        position = 0;
    }
}
