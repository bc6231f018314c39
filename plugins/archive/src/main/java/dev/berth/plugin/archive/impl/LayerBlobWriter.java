package dev.berth.plugin.archive.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Digest;
import dev.berth.api.stage.StageProgress;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Turns a layer tar (plain or gzip, told apart by its magic bytes) into a staged gzip blob in one pass:
 * every entry is checked by {@link LayerEntryRules} while the uncompressed bytes are hashed into the diff
 * id and compressed with {@link GZIPOutputStream}, whose fixed header makes the blob a function of the tar
 * alone. The blob is only staged: the caller commits it (or discards it) with the rest of the image, so a
 * refused layer leaves nothing in the store. Thread-safe: each call works on its own state.
 */
final class LayerBlobWriter {
    /** Bytes between two progress reports while compressing. */
    private static final long REPORT_EVERY = 4L << 20;
    private static final int BUFFER = 65536;

    /** A checked, compressed layer in the ingest area, its diff id and its uncompressed size. */
    record LayerBlob(BlobStore.Staged staged, Digest diffId, long tarSize) {
    }

    private final BlobStore store;

    LayerBlobWriter(BlobStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Checks, hashes and compresses the layer at {@code layer}; errors start with {@code action}.
     *
     * @throws BerthException INVALID naming the entry and the file for a refused entry or a layer that is
     *         not a (complete) plain or gzip tar, NOT_FOUND if the file is absent, UNAVAILABLE on I/O errors
     */
    LayerBlob stage(Path layer, String action, StageProgress progress) throws BerthException {
        String where = action + ": layer " + layer;
        long fileSize;
        try {
            fileSize = Files.size(layer);
        } catch (NoSuchFileException e) {
            throw new BerthException(ErrorKind.NOT_FOUND, where + ": no such file", e);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, where + ": " + e, e);
        }
        MessageDigest diffId = BlobStore.sha256();
        try (BufferedInputStream file = new BufferedInputStream(Files.newInputStream(layer), BUFFER);
                InputStream tar = isGzip(file, where) ? new GZIPInputStream(file, BUFFER) : file) {
            long total = tar == file ? fileSize : -1;
            progress.update("layer", "compressing layer", 0, total);
            Tee tee = new Tee(tar, diffId, progress, total);
            BlobStore.Staged staged = store.stage(out -> {
                Compressor gz = new Compressor(out);
                try {
                    tee.out = gz;
                    TarReader reader = new TarReader(tee, true);
                    LayerEntryRules rules = new LayerEntryRules(where);
                    TarReader.Entry entry;
                    while ((entry = reader.next()) != null) {
                        rules.check(entry);
                    }
                    // The diff id covers the whole stream: end blocks and any padding after them.
                    tee.transferTo(OutputStream.nullOutputStream());
                    gz.finish();
                } finally {
                    gz.end();
                }
            });
            progress.update(staged.digest().shortHex(), "compressed layer", tee.count, tee.count);
            return new LayerBlob(staged, new Digest("sha256", HexFormat.of().formatHex(diffId.digest())), tee.count);
        } catch (TarReader.FormatException | ZipException | EOFException e) {
            throw new BerthException(ErrorKind.INVALID, where + ": not a complete plain or gzip tar: "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, where + ": " + e, e);
        }
    }

    /** Peeks at the magic bytes: gzip is read, zstd is refused, anything else is taken as a plain tar. */
    private static boolean isGzip(BufferedInputStream in, String where) throws IOException, BerthException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return true;
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            throw new BerthException(ErrorKind.INVALID, where + ": zstd layers are not supported (plain or gzip tar)");
        }
        return false;
    }

    /**
     * A gzip stream whose deflater can be freed without writing anything more (closing would finish the
     * stream, writing its trailer even after a failure); the stream it writes to is never closed.
     */
    private static final class Compressor extends GZIPOutputStream {
        Compressor(OutputStream out) throws IOException {
            super(out, BUFFER);
        }

        /** Frees the deflater; call once, last. */
        void end() {
            def.end();
        }
    }

    /**
     * Passes every byte read (and skipped: a skip reads through) to the diff-id hash and the compressor,
     * reporting progress now and then. Not thread-safe.
     */
    private static final class Tee extends FilterInputStream {
        private final MessageDigest hash;
        private final StageProgress progress;
        private final long total;
        private final byte[] skipBuffer = new byte[BUFFER];
        OutputStream out;
        long count;
        private long reported;

        Tee(InputStream in, MessageDigest hash, StageProgress progress, long total) {
            super(in);
            this.hash = hash;
            this.progress = progress;
            this.total = total;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                hash.update(b, off, n);
                out.write(b, off, n);
                count += n;
                if (count - reported >= REPORT_EVERY) {
                    reported = count;
                    progress.update("layer", "compressing layer", count, total);
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = 0;
            while (skipped < n) {
                int got = read(skipBuffer, 0, (int) Math.min(skipBuffer.length, n - skipped));
                if (got < 0) {
                    break;
                }
                skipped += got;
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public void mark(int readlimit) {
        }

        @Override
        public void reset() throws IOException {
            throw new IOException("mark/reset not supported");
        }
    }
}
