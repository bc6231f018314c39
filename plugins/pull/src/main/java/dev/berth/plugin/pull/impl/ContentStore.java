package dev.berth.plugin.pull.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Stores blobs by digest under {@code <root>/content/blobs/<algorithm>/<hex>}, writing each one first to
 * {@code <root>/content/ingest/<hex>.partial} and renaming it only once its size and digest are verified, so
 * a crash never leaves a half blob under its final name. Thread-safe: writers for different digests run in
 * parallel, and a second writer for a digest that is being written fails with {@link ErrorKind#CONFLICT}.
 */
public final class ContentStore {
    /** The most bytes of a manifest, index or config that are ever read into memory: 4 MiB. */
    public static final int MAX_MANIFEST_BYTES = 4 << 20;

    private final Path blobs;
    private final Path ingest;

    /**
     * Opens (creating if needed) the store under {@code root/content}.
     *
     * @throws BerthException UNAVAILABLE if the directories cannot be created
     */
    public ContentStore(Path root) throws BerthException {
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

    /** Whether the complete, verified blob {@code digest} is present. */
    public boolean has(Digest digest) {
        return Files.isRegularFile(finalPath(digest));
    }

    /**
     * The file of the complete blob {@code digest}.
     *
     * @throws BerthException NOT_FOUND if the blob is not present
     */
    public Path path(Digest digest) throws BerthException {
        Path path = finalPath(digest);
        if (!Files.isRegularFile(path)) {
            throw new BerthException(ErrorKind.NOT_FOUND, "blob " + digest + ": not in the content store");
        }
        return path;
    }

    /**
     * Opens the complete blob {@code digest} for reading.
     *
     * @throws BerthException NOT_FOUND if the blob is not present
     */
    public InputStream open(Digest digest) throws BerthException {
        try {
            return Files.newInputStream(finalPath(digest));
        } catch (NoSuchFileException e) {
            throw new BerthException(ErrorKind.NOT_FOUND, "blob " + digest + ": not in the content store", e);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "open blob " + digest + ": " + e, e);
        }
    }

    /**
     * Reads the complete blob {@code digest} into memory, refusing blobs above {@link #MAX_MANIFEST_BYTES}.
     *
     * @throws BerthException NOT_FOUND if absent, INVALID if too large
     */
    public byte[] readSmall(Digest digest) throws BerthException {
        try (InputStream in = open(digest)) {
            return readCapped(in, MAX_MANIFEST_BYTES, "blob " + digest);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "read blob " + digest + ": " + e, e);
        }
    }

    /**
     * Stores {@code bytes} as the blob {@code expected} unless it is already present.
     *
     * @throws BerthException INVALID if the bytes do not match the descriptor
     */
    public void put(Descriptor expected, byte[] bytes) throws BerthException {
        if (has(expected.digest())) {
            return;
        }
        try (Writer writer = writer(expected)) {
            writer.reset();
            writer.write(bytes, 0, bytes.length);
            writer.commit();
        }
    }

    /**
     * Opens a writer for the blob {@code expected}, resuming the partial file a previous writer left.
     *
     * @throws BerthException CONFLICT if another writer holds this blob, UNAVAILABLE on I/O errors
     */
    public Writer writer(Descriptor expected) throws BerthException {
        return new Writer(expected);
    }

    /**
     * Deletes the blob {@code digest} if present.
     *
     * @return whether a blob was deleted
     * @throws BerthException UNAVAILABLE on I/O errors
     */
    public boolean delete(Digest digest) throws BerthException {
        Path path = finalPath(digest);
        try {
            boolean deleted = Files.deleteIfExists(path);
            if (deleted) {
                syncDirectory(path.getParent());
            }
            return deleted;
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "delete blob " + digest + ": " + e, e);
        }
    }

    /**
     * Lists the digests of every complete blob, in no particular order.
     *
     * @throws BerthException UNAVAILABLE on I/O errors
     */
    public List<Digest> list() throws BerthException {
        List<Digest> result = new ArrayList<>();
        try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(blobs)) {
            for (Path algorithmDir : algorithms) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(algorithmDir)) {
                    for (Path file : files) {
                        try {
                            result.add(new Digest(algorithmDir.getFileName().toString(), file.getFileName().toString()));
                        } catch (IllegalArgumentException ignored) {
                            // A stray file that is not named by a digest is not a blob.
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "list blobs in " + blobs + ": " + e, e);
        }
        return result;
    }

    /**
     * Reads at most {@code limit} bytes of {@code in} into memory.
     *
     * @throws BerthException INVALID naming {@code what} and the limit if the stream holds more
     * @throws IOException    if reading fails
     */
    public static byte[] readCapped(InputStream in, int limit, String what) throws IOException, BerthException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            total += n;
            if (total > limit) {
                throw new BerthException(ErrorKind.INVALID, what + ": larger than the " + describeLimit(limit)
                        + " limit");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    static String describeLimit(long limit) {
        return limit % (1 << 20) == 0 ? (limit >> 20) + " MiB" : limit + " bytes";
    }

    static MessageDigest hasher(Digest digest) {
        try {
            return MessageDigest.getInstance(digest.algorithm().equals("sha512") ? "SHA-512" : "SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + digest.algorithm(), e);
        }
    }

    /** The digest of {@code bytes} in the algorithm of {@code like}. */
    static Digest digestOf(Digest like, byte[] bytes) {
        return new Digest(like.algorithm(), HexFormat.of().formatHex(hasher(like).digest(bytes)));
    }

    /** An I/O failure in words: its message alone for a plain IOException ("No space left on device"). */
    static String describe(IOException e) {
        return e.getClass() == IOException.class && e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private Path finalPath(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex());
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * Writes one expected blob into its partial file, hashing as it goes. Not thread-safe: one fetch owns it.
     * {@link #close()} without {@link #commit()} keeps the partial file so that a later writer can resume it.
     */
    public final class Writer implements Closeable {
        private final Descriptor expected;
        private final Path partial;
        private final FileChannel channel;
        private final FileLock lock;
        private MessageDigest hash;
        private long size;
        private boolean finished;

        private Writer(Descriptor expected) throws BerthException {
            this.expected = Objects.requireNonNull(expected, "expected");
            this.partial = ingest.resolve(expected.digest().algorithm() + "-" + expected.digest().hex() + ".partial");
            FileChannel opened = null;
            try {
                opened = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileLock acquired;
                try {
                    acquired = opened.tryLock();
                } catch (OverlappingFileLockException e) {
                    acquired = null;
                }
                if (acquired == null) {
                    opened.close();
                    throw new BerthException(ErrorKind.CONFLICT, "blob " + expected.digest()
                            + ": another pull is writing it");
                }
                this.channel = opened;
                this.lock = acquired;
                rehash();
            } catch (IOException e) {
                closeQuietly(opened);
                throw new BerthException(ErrorKind.UNAVAILABLE, "write blob " + expected.digest() + " to " + partial
                        + ": " + describe(e), e);
            }
        }

        /** The bytes already written, including those resumed from an earlier partial file. */
        public long size() {
            return size;
        }

        /** The partial file the bytes go to, readable while they arrive. */
        public Path file() {
            return partial;
        }

        /** The descriptor this writer must satisfy. */
        public Descriptor expected() {
            return expected;
        }

        private void rehash() throws IOException {
            hash = hasher(expected.digest());
            long existing = channel.size();
            if (existing > expected.size()) {
                channel.truncate(0);
                existing = 0;
            }
            ByteBuffer buffer = ByteBuffer.allocate(65536);
            long position = 0;
            while (position < existing) {
                buffer.clear();
                int n = channel.read(buffer, position);
                if (n < 0) {
                    break;
                }
                buffer.flip();
                hash.update(buffer);
                position += n;
            }
            size = position;
            channel.position(size);
        }

        /**
         * Throws away what was written so far and starts again from byte 0.
         *
         * @throws BerthException UNAVAILABLE on I/O errors
         */
        public void reset() throws BerthException {
            try {
                channel.truncate(0);
                channel.position(0);
                hash = hasher(expected.digest());
                size = 0;
            } catch (IOException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "write blob " + expected.digest() + " to " + partial
                        + ": " + describe(e), e);
            }
        }

        /**
         * Appends bytes, refusing any byte beyond the expected size.
         *
         * @throws BerthException INVALID on a size overrun (the partial file is deleted), UNAVAILABLE on I/O errors
         */
        public void write(byte[] bytes, int offset, int length) throws BerthException {
            if (size + length > expected.size()) {
                abort();
                throw new BerthException(ErrorKind.INVALID, "blob " + expected.digest() + ": size mismatch: expected "
                        + expected.size() + " bytes, got more");
            }
            try {
                ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "write blob " + expected.digest() + " to " + partial
                        + ": " + describe(e), e);
            }
            hash.update(bytes, offset, length);
            size += length;
        }

        /**
         * Verifies size and digest, makes the blob durable and renames it to its final name.
         *
         * @return the final path
         * @throws BerthException INVALID on a size or digest mismatch (the partial file is deleted)
         */
        public Path commit() throws BerthException {
            Digest digest = expected.digest();
            if (size != expected.size()) {
                abort();
                throw new BerthException(ErrorKind.INVALID, "blob " + digest + ": size mismatch: expected "
                        + expected.size() + " bytes, got " + size);
            }
            Digest actual = new Digest(digest.algorithm(), HexFormat.of().formatHex(hash.digest()));
            if (!actual.equals(digest)) {
                abort();
                throw new BerthException(ErrorKind.INVALID, "blob " + digest + ": digest mismatch: got " + actual);
            }
            Path target = finalPath(digest);
            try {
                channel.force(true);
                Files.createDirectories(target.getParent());
                try {
                    Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
                }
                syncDirectory(target.getParent());
                syncDirectory(ingest);
            } catch (IOException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "commit blob " + digest + " to " + target + ": "
                        + describe(e), e);
            } finally {
                finish();
            }
            return target;
        }

        /** Deletes the partial file and releases the blob. */
        public void abort() {
            if (finished) {
                return;
            }
            finish();
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // Best effort: a stale partial is re-verified by whoever resumes it.
            }
        }

        /** Releases the blob, keeping a non-empty partial file (if not committed) for a later resume. */
        @Override
        public void close() {
            if (!finished) {
                if (size == 0) {
                    abort();
                } else {
                    finish();
                }
            }
        }

        private void finish() {
            finished = true;
            try {
                lock.release();
            } catch (IOException ignored) {
                // Closing the channel releases it anyway.
            }
            closeQuietly(channel);
        }

        private static void closeQuietly(Closeable closeable) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (IOException ignored) {
                    // Nothing more to release.
                }
            }
        }

        @Override
        public String toString() {
            return "ContentStore.Writer[" + expected.digest() + ", " + size + "/" + expected.size() + " bytes]";
        }
    }
}
