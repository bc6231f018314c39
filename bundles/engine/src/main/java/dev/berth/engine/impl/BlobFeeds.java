package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.stage.GrowingBlob;
import dev.berth.api.stage.PullObserver;
import dev.berth.api.stage.PulledImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The layer blobs of the pulls under way, as the pull stage reports them, so that expand calls can read
 * a blob while it downloads: one {@link Feed} per pull (its id travels in the pull and expand requests as
 * {@code "feed"}), one {@link Blob} per digest. Every blob of a feed ends stored or failed, at the latest
 * when its pull call ends, so no reader waits for a pull that is over. Thread-safe.
 */
final class BlobFeeds {
    /** How long a waiting reader sleeps before it looks at the file again, even without a progress report. */
    private static final long POLL_MILLIS = 20;

    private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
    private final Function<Digest, Path> storePath;

    /** @param storePath where the content store keeps a complete blob */
    BlobFeeds(Function<Digest, Path> storePath) {
        this.storePath = storePath;
    }

    /** Opens the feed {@code id} of a pull about to start; {@code resolved} hears the image once it is known. */
    Feed open(String id, Consumer<PulledImage> resolved) {
        Feed feed = new Feed(id, resolved);
        if (feeds.putIfAbsent(id, feed) != null) {
            throw new IllegalArgumentException("pull feed " + id + " is already open");
        }
        return feed;
    }

    /** The feed of a pull still under way, if {@code id} names one. */
    Optional<Feed> find(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(feeds.get(id));
    }

    /** The state of one blob. */
    private enum State { PENDING, WRITING, STORED, FAILED }

    /** One pull's blobs; the pull stage's observer. */
    final class Feed implements PullObserver {
        private final String id;
        private final Consumer<PulledImage> resolved;
        private final Map<Digest, Blob> blobs = new ConcurrentHashMap<>();
        private volatile boolean open = true;

        private Feed(String id, Consumer<PulledImage> resolved) {
            this.id = id;
            this.resolved = resolved;
        }

        /** The blob {@code layer} of this pull, known to the pull stage yet or not. */
        Blob blob(Descriptor layer) {
            return blobs.computeIfAbsent(layer.digest(), d -> new Blob(this, layer));
        }

        /** Whether the pull is still under way. */
        boolean open() {
            return open;
        }

        /**
         * The pull call ended: a blob it said nothing final about is stored if the pull succeeded and the store
         * has it, and failed otherwise, with {@code failure} (null after a success) as the reason.
         */
        void end(String failure) {
            open = false;
            feeds.remove(id, this);
            for (Blob blob : blobs.values()) {
                Path stored = storePath.apply(blob.descriptor.digest());
                if (failure == null && Files.isRegularFile(stored)) {
                    blob.settle(State.STORED, stored, null, null);
                } else {
                    blob.settle(State.FAILED, null, ErrorKind.UNAVAILABLE, failure != null ? "the pull failed: "
                            + failure : "the pull ended without storing it");
                }
            }
        }

        @Override
        public void resolved(PulledImage image) {
            resolved.accept(image);
        }

        @Override
        public void blobWriting(Descriptor blob, Path file) {
            blob(blob).writing(file);
        }

        @Override
        public void blobProgress(Descriptor blob, long written) {
            Blob known = blobs.get(blob.digest());
            if (known != null) {
                known.wake();
            }
        }

        @Override
        public void blobStored(Descriptor blob, Path file) {
            blob(blob).settle(State.STORED, file, null, null);
        }

        @Override
        public void blobRejected(Descriptor blob, String reason) {
            blob(blob).settle(State.FAILED, null, ErrorKind.INVALID, reason);
        }

        @Override
        public void blobFailed(Descriptor blob, String reason) {
            blob(blob).settle(State.FAILED, null, ErrorKind.UNAVAILABLE, reason);
        }
    }

    /**
     * One layer blob of a pull: where its bytes are, and whether the pull stored or gave it up. Its state only
     * moves forward (a stored or failed blob stays so). Thread-safe.
     */
    static final class Blob {
        private final Feed feed;
        private final Descriptor descriptor;
        private State state = State.PENDING;
        private Path file;
        /** Why it failed, and what kind of failure that is for a reader (INVALID for refused content). */
        private ErrorKind failure;
        private String reason;

        private Blob(Feed feed, Descriptor descriptor) {
            this.feed = feed;
            this.descriptor = descriptor;
        }

        synchronized void writing(Path path) {
            if (state == State.PENDING || state == State.WRITING) {
                state = State.WRITING;
                file = path;
                notifyAll();
            }
        }

        synchronized void settle(State end, Path path, ErrorKind kind, String why) {
            if (state == State.STORED || state == State.FAILED) {
                return;
            }
            state = end;
            if (path != null) {
                file = path;
            }
            failure = kind;
            reason = why;
            notifyAll();
        }

        synchronized void wake() {
            notifyAll();
        }

        /** A view for one expand call; {@code life} is told while it waits on a pull still under way. */
        GrowingBlob view(Runnable life) {
            return new GrowingBlob() {
                @Override
                public Descriptor descriptor() {
                    return descriptor;
                }

                @Override
                public InputStream open() {
                    return new Tail(life);
                }

                @Override
                public Path awaitStored() throws BerthException {
                    synchronized (Blob.this) {
                        while (state != State.STORED && state != State.FAILED) {
                            pause(life);
                        }
                        if (state == State.FAILED) {
                            throw new BerthException(failure, "blob " + descriptor.digest() + ": " + reason);
                        }
                        return file;
                    }
                }
            };
        }

        /** Waits a little for news, holding the monitor; tells {@code life} while the pull is under way. */
        private void pause(Runnable life) throws BerthException {
            try {
                wait(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BerthException(ErrorKind.UNAVAILABLE, "blob " + descriptor.digest()
                        + ": interrupted while waiting for the pull", e);
            }
            if (feed.open()) {
                life.run();
            }
        }

        /**
         * The blob's bytes from the first, read from the file the pull writes (after the rename, from the stored
         * blob): blocks at the end of what is written, ends at the descriptor's size, fails when the pull gives
         * the blob up. Not thread-safe: one reader.
         */
        private final class Tail extends InputStream {
            private final Runnable life;
            private FileChannel channel;
            private Path opened;
            private long position;

            Tail(Runnable life) {
                this.life = life;
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                if (length == 0) {
                    return 0;
                }
                while (true) {
                    long left = descriptor.size() - position;
                    if (left <= 0) {
                        return -1;
                    }
                    State seen;
                    Path where;
                    synchronized (Blob.this) {
                        seen = state;
                        where = file;
                        if (seen == State.FAILED) {
                            throw new IOException("blob " + descriptor.digest() + ": " + reason);
                        }
                    }
                    if (where != null && !where.equals(opened)) {
                        // First bytes, or the blob moved (renamed to its final name): go on at the same position.
                        reopen(where, seen);
                    }
                    if (channel != null) {
                        int n = channel.read(ByteBuffer.wrap(bytes, offset, (int) Math.min(length, left)), position);
                        if (n > 0) {
                            position += n;
                            return n;
                        }
                        if (seen == State.STORED) {
                            // The stored blob is shorter than its descriptor: the reader's digest check says so.
                            return -1;
                        }
                    }
                    synchronized (Blob.this) {
                        if (state == seen && (file == null || file.equals(where))) {
                            try {
                                pause(life);
                            } catch (BerthException e) {
                                throw new InterruptedIOException(e.getMessage());
                            }
                        }
                    }
                }
            }

            private void reopen(Path where, State seen) throws IOException {
                close();
                opened = null;
                try {
                    channel = FileChannel.open(where);
                    opened = where;
                } catch (NoSuchFileException e) {
                    // Renamed to its final name (or given up) since: the state says which, on the next turn.
                    if (seen == State.STORED) {
                        throw e;
                    }
                }
            }

            @Override
            public void close() throws IOException {
                if (channel != null) {
                    channel.close();
                    channel = null;
                }
            }
        }
    }
}
