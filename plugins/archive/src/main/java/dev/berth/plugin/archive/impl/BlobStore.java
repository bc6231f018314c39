package dev.berth.plugin.archive.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;

/**
 * Keeps blobs by digest in the content store's on-disk layout ({@code <root>/content/blobs/sha256/<hex>},
 * staged as {@code <root>/content/ingest/*.partial}, fsynced and renamed only once hashed), the same layout
 * as the pull plugin's {@code ContentStore}, which this duplicates in small because that class is private to
 * the pull bundle. Thread-safe: staged files have unique names and a commit is one atomic rename.
 */
final class BlobStore {
    /** The most bytes of a manifest, index or config that are ever read into memory: 4 MiB. */
    static final int MAX_SMALL_BYTES = 4 << 20;

    /** A file hashed into the ingest area, not yet under its final name. Immutable. */
    record Staged(Path partial, Digest digest, long size) {
    }

    private final Path blobs;
    private final Path ingest;

    /**
     * Opens (creating if needed) the store under {@code root/content}.
     *
     * @throws BerthException UNAVAILABLE if the directories cannot be created
     */
    BlobStore(Path root) throws BerthException {
        Path content = Objects.requireNonNull(root, "root").resolve("content");
        this.blobs = content.resolve("blobs");
        this.ingest = content.resolve("ingest");
        try {
            Files.createDirectories(blobs.resolve("sha256"));
            Files.createDirectories(ingest);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "open content store " + content + ": " + e, e);
        }
    }

    /** Whether the complete blob {@code digest} is present. */
    boolean has(Digest digest) {
        return Files.isRegularFile(finalPath(digest));
    }

    /** The final file of the blob {@code digest}, whether or not it is present. */
    Path finalPath(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex());
    }

    /**
     * Opens the complete blob {@code digest} for reading.
     *
     * @throws BerthException NOT_FOUND if the blob is not present
     */
    InputStream open(Digest digest) throws BerthException {
        try {
            return Files.newInputStream(finalPath(digest));
        } catch (NoSuchFileException e) {
            throw new BerthException(ErrorKind.NOT_FOUND, "blob " + digest + ": not in the content store", e);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "open blob " + digest + ": " + e, e);
        }
    }

    /**
     * The size of the complete blob {@code digest}.
     *
     * @throws BerthException NOT_FOUND if the blob is not present
     */
    long size(Digest digest) throws BerthException {
        try {
            return Files.size(finalPath(digest));
        } catch (NoSuchFileException e) {
            throw new BerthException(ErrorKind.NOT_FOUND, "blob " + digest + ": not in the content store", e);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "stat blob " + digest + ": " + e, e);
        }
    }

    /**
     * Reads the blob {@code digest} into memory, refusing blobs above {@link #MAX_SMALL_BYTES}.
     *
     * @throws BerthException NOT_FOUND if absent, INVALID if too large
     */
    byte[] readSmall(Digest digest) throws BerthException {
        try (InputStream in = open(digest)) {
            byte[] bytes = readCapped(in, MAX_SMALL_BYTES, "blob " + digest);
            Digest actual = sha256(bytes);
            if (!actual.equals(digest)) {
                throw new BerthException(ErrorKind.INVALID, "blob " + digest + ": digest mismatch: got " + actual);
            }
            return bytes;
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "read blob " + digest + ": " + e, e);
        }
    }

    /**
     * Writes a blob's bytes to a stream it is given; that stream must not be closed by the writer.
     *
     * @param <X> the checked exception the writer may throw besides I/O errors
     */
    @FunctionalInterface
    interface Content<X extends Exception> {
        void writeTo(OutputStream out) throws IOException, X;
    }

    /**
     * Copies {@code in} to a new file in the ingest area, hashing it, and fsyncs it.
     *
     * @throws IOException if reading or writing fails; the partial file is deleted then
     */
    Staged stage(InputStream in) throws IOException {
        return stage(out -> {
            byte[] buffer = new byte[65536];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
            }
        });
    }

    /**
     * Stages the bytes {@code content} writes in a new file in the ingest area, hashing them, and fsyncs
     * it. Whatever {@code content} throws is passed on after the partial file is deleted.
     *
     * @throws IOException if writing fails
     */
    <X extends Exception> Staged stage(Content<X> content) throws IOException, X {
        Path partial = ingest.resolve("archive-" + UUID.randomUUID() + ".partial");
        boolean done = false;
        try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            HashingOutput out = new HashingOutput(Channels.newOutputStream(channel));
            content.writeTo(out);
            channel.force(true);
            done = true;
            return new Staged(partial, new Digest("sha256", HexFormat.of().formatHex(out.hash.digest())), out.size);
        } finally {
            if (!done) {
                Files.deleteIfExists(partial);
            }
        }
    }

    /** Writes through to a file channel's stream, hashing and counting; closing it leaves the channel open. */
    private static final class HashingOutput extends OutputStream {
        final MessageDigest hash = sha256();
        final OutputStream out;
        long size;

        HashingOutput(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            hash.update(b, off, len);
            size += len;
        }

        @Override
        public void close() {
            // The channel is forced and closed by stage().
        }
    }

    /**
     * Moves a staged file to its final name, or deletes it if that blob is already present.
     *
     * @return whether the blob is new in the store
     * @throws BerthException UNAVAILABLE on I/O errors
     */
    boolean commit(Staged staged) throws BerthException {
        Path target = finalPath(staged.digest());
        try {
            if (Files.isRegularFile(target)) {
                Files.deleteIfExists(staged.partial());
                return false;
            }
            Files.createDirectories(target.getParent());
            try {
                Files.move(staged.partial(), target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(staged.partial(), target, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(target.getParent());
            syncDirectory(ingest);
            return true;
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "commit blob " + staged.digest() + ": " + e, e);
        }
    }

    /**
     * Stages and commits {@code bytes}.
     *
     * @return whether the blob is new in the store
     */
    boolean put(byte[] bytes) throws BerthException {
        Staged staged;
        try {
            staged = stage(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "write blob " + sha256(bytes) + ": " + e, e);
        }
        return commit(staged);
    }

    /** Deletes a staged file; best effort. */
    void discard(Staged staged) {
        try {
            Files.deleteIfExists(staged.partial());
        } catch (IOException ignored) {
            // A stale partial file is harmless: it is never read under a final name.
        }
    }

    /** Deletes the blob {@code digest} if present; best effort, used to undo a failed load. */
    void deleteQuietly(Digest digest) {
        try {
            if (Files.deleteIfExists(finalPath(digest))) {
                syncDirectory(finalPath(digest).getParent());
            }
        } catch (IOException ignored) {
            // Nothing more can be done here; the caller is already reporting a failure.
        }
    }

    /** Reads at most {@code limit} bytes of {@code in}, naming {@code what} if it holds more. */
    static byte[] readCapped(InputStream in, int limit, String what) throws IOException, BerthException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            total += n;
            if (total > limit) {
                throw new BerthException(ErrorKind.INVALID, what + ": larger than the " + (limit >> 20)
                        + " MiB limit");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    static Digest sha256(byte[] bytes) {
        return new Digest("sha256", HexFormat.of().formatHex(sha256().digest(bytes)));
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
