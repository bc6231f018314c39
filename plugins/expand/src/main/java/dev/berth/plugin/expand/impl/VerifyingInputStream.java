package dev.berth.plugin.expand.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import java.io.IOException;
import java.io.InputStream;

/**
 * Hashes and counts the bytes of a layer blob as the unpacker reads them, so that a layer unpacked from a
 * blob still being downloaded is known to be exactly the blob its descriptor names: {@link #verify()} reads
 * what the unpacker left and checks size and digest. Never closes its source. Not thread-safe: one reader.
 */
final class VerifyingInputStream extends CountingFilterStream {
    private final Descriptor blob;

    VerifyingInputStream(InputStream in, Descriptor blob) {
        super(in, blob.digest().algorithm().equals("sha512") ? "SHA-512" : "SHA-256");
        this.blob = blob;
    }

    @Override
    public void close() {
        // The source belongs to the caller.
    }

    /**
     * Reads the rest of the blob (bytes after the tar's end still count) and checks size and digest.
     *
     * @throws BerthException INVALID on a size or digest mismatch, naming the blob; UNAVAILABLE when the rest
     *     cannot be read
     */
    void verify() throws BerthException {
        try {
            byte[] buffer = new byte[65536];
            while (read(buffer, 0, buffer.length) >= 0) {
                // hashing is all
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "verify blob " + blob.digest() + ": read its end: "
                    + e.getMessage(), e);
        }
        if (count() != blob.size()) {
            throw new BerthException(ErrorKind.INVALID, "verify blob " + blob.digest() + ": size mismatch: expected "
                    + blob.size() + " bytes, read " + count());
        }
        Digest actual = new Digest(blob.digest().algorithm(), hexDigest());
        if (!actual.equals(blob.digest())) {
            throw new BerthException(ErrorKind.INVALID, "verify blob " + blob.digest() + ": digest mismatch: got "
                    + actual);
        }
    }
}
