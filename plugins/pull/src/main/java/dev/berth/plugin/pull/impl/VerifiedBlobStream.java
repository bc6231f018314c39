package dev.berth.plugin.pull.impl;

import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Reads a stored blob for an upload, hashing as it goes, and checks its size and digest <em>before</em> it
 * hands out the last bytes: a blob whose content does not match its name fails the read that would complete
 * it with a {@link Mismatch}, so the registry never receives it whole. Not thread-safe: one upload reads it.
 */
final class VerifiedBlobStream extends InputStream {
    /** The stored blob is not what its name says; the message names the digest. */
    static final class Mismatch extends IOException {
        private static final long serialVersionUID = 1L;

        Mismatch(String message) {
            super(message);
        }

        /** The mismatch somewhere in the cause chain of {@code failure}, or null. */
        static Mismatch in(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (t instanceof Mismatch m) {
                    return m;
                }
            }
            return null;
        }
    }

    private final InputStream in;
    private final Descriptor blob;
    private final LongConsumer progress;
    private final MessageDigest hash;
    private long position;
    private boolean verified;
    private Mismatch failure;

    /**
     * @param in       the stored blob from its first byte; closed with this stream
     * @param progress told the number of bytes read after each read
     */
    VerifiedBlobStream(InputStream in, Descriptor blob, LongConsumer progress) {
        this.in = Objects.requireNonNull(in, "in");
        this.blob = Objects.requireNonNull(blob, "blob");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.hash = ContentStore.hasher(blob.digest());
    }

    /** How many bytes were read. */
    long position() {
        return position;
    }

    /** Whether every byte was read and matched the digest. */
    boolean verified() {
        return verified;
    }

    /** A view of the next {@code length} bytes, for one chunk of an upload; closing it leaves this stream open. */
    InputStream next(long length) {
        long end = position + length;
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] bytes, int offset, int count) throws IOException {
                long left = end - position;
                if (left <= 0) {
                    return -1;
                }
                return VerifiedBlobStream.this.read(bytes, offset, (int) Math.min(count, left));
            }
        };
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        long left = blob.size() - position;
        if (left == 0) {
            verify();
            return -1;
        }
        if (length == 0) {
            return 0;
        }
        int n = in.read(bytes, offset, (int) Math.min(length, left));
        if (n < 0) {
            throw new Mismatch("stored blob " + blob.digest() + " has " + position + " bytes, its descriptor says "
                    + blob.size());
        }
        hash.update(bytes, offset, n);
        position += n;
        if (position == blob.size()) {
            verify(); // before these last bytes leave
        }
        progress.accept(position);
        return n;
    }

    private void verify() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (verified) {
            return;
        }
        if (in.read() >= 0) {
            failure = new Mismatch("stored blob " + blob.digest() + " is longer than the " + blob.size()
                    + " bytes its descriptor says");
            throw failure;
        }
        Digest actual = new Digest(blob.digest().algorithm(), HexFormat.of().formatHex(hash.digest()));
        if (!actual.equals(blob.digest())) {
            failure = new Mismatch("stored blob " + blob.digest() + " does not match its digest: its content is "
                    + actual);
            throw failure;
        }
        verified = true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
