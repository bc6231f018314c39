package dev.berth.plugin.expand.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Digest;
import dev.berth.api.plugin.ScratchFolder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Keeps unpacked layers as snapshot directories named by chain ID under {@code <root>/snapshots};
 * thread-safe: its only state is the filesystem, and a snapshot appears under its final name by one
 * atomic rename, only once it is complete.
 *
 * <p>Layout: {@code snapshots/<chainId hex>/fs} is the layer's tree (an overlayfs lowerdir) and
 * {@code snapshots/<chainId hex>/snapshot.json} describes it. Work in progress lives in
 * {@code snapshots/tmp-<random>/}, removed on failure and, after a crash, by the next constructor, so
 * only one store may own a root at a time.
 *
 * <pre>{@code
 * try (SnapshotStore.Snapshot s = store.prepare(chainId)) {
 *     UnpackResult r = unpacker.unpack(blob, s.fs());
 *     Path dir = s.commit(parentChainId, r);   // verifies chainId against r.diffId()
 * }                                           // not committed: the temp dir is removed
 * }</pre>
 */
public final class SnapshotStore {

    private static final String TMP_PREFIX = "tmp-";
    private static final String FS = "fs";
    private static final String META = "snapshot.json";
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final System.Logger LOG = System.getLogger("berth.expand.snapshots");

    private final Path snapshots;

    /**
     * Opens (creating if needed) {@code root/snapshots} and removes {@code tmp-*} directories a crash
     * left behind.
     */
    public SnapshotStore(Path root) throws BerthException {
        Objects.requireNonNull(root, "root");
        this.snapshots = root.resolve("snapshots");
        try {
            Files.createDirectories(snapshots);
            ScratchFolder.deleteLeftovers(snapshots, TMP_PREFIX);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "open snapshot store " + snapshots + ": " + e, e);
        }
        spreadOverBlockGroups(snapshots);
    }

    /**
     * On ext2, ext3 and ext4, flags {@code snapshots} as a top directory ({@code chattr +T}) so that each new
     * snapshot is placed in a block group of the allocator's choosing rather than in its parent's: snapshots are
     * unrelated trees. Without a journal, ext4 passes over every inode freed in the last minute (five while its
     * inode table block is unwritten), one bitmap bit at a time for each new inode, so a layer unpacked into the
     * group that a removal has just emptied took up to three times as long (a Debian layer of 6,675 entries:
     * 3.4 s instead of 1.1 s on the project's VMs; docs/benchmarks.md). Best effort: on other filesystems, or
     * without chattr, the kernel places snapshots as before and only the speed differs, so a failure is logged
     * and nothing else.
     */
    private static void spreadOverBlockGroups(Path snapshots) {
        try {
            if (Files.getFileStore(snapshots).type().startsWith("ext")) {
                new HostTools().markTopDirectory(snapshots.toAbsolutePath());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.INFO, "flag " + snapshots + " as a top directory (chattr +T): " + e);
        }
    }

    /** The directory holding every snapshot. */
    public Path directory() {
        return snapshots;
    }

    /**
     * The OCI chain ID of a layer: its DiffID for the bottom layer ({@code parentChainId} null), else
     * sha256 of the text {@code "<parentChainId> <diffId>"} (both in {@code sha256:hex} form).
     */
    public static Digest chainId(Digest parentChainId, Digest diffId) {
        Objects.requireNonNull(diffId, "diffId");
        if (parentChainId == null) {
            return diffId;
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] hash = md.digest((parentChainId + " " + diffId).getBytes(StandardCharsets.US_ASCII));
            return Digest.sha256(HexFormat.of().formatHex(hash));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }

    /** The chain ID of a whole stack of DiffIDs, bottom layer first. */
    public static Digest chainId(List<Digest> diffIds) {
        if (diffIds.isEmpty()) {
            throw new IllegalArgumentException("chain ID of no layers");
        }
        Digest chain = null;
        for (Digest d : diffIds) {
            chain = chainId(chain, d);
        }
        return chain;
    }

    /** The {@code fs} directory of a committed snapshot, if there is one. */
    public Optional<Path> lookup(Digest chainId) {
        Path fs = snapshots.resolve(chainId.hex()).resolve(FS);
        Path meta = snapshots.resolve(chainId.hex()).resolve(META);
        return Files.isDirectory(fs, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(meta, LinkOption.NOFOLLOW_LINKS)
                ? Optional.of(fs) : Optional.empty();
    }

    /** Starts a snapshot for {@code chainId} in a fresh temporary directory; see {@link Snapshot}. */
    public Snapshot prepare(Digest chainId) throws BerthException {
        Objects.requireNonNull(chainId, "chainId");
        byte[] rnd = new byte[8];
        RANDOM.nextBytes(rnd);
        Path tmp = snapshots.resolve(TMP_PREFIX + HexFormat.of().formatHex(rnd));
        try {
            Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path fs = tmp.resolve(FS);
            Files.createDirectory(fs);
            Files.setAttribute(fs, "unix:mode", 0755);
            return new Snapshot(chainId, tmp, fs);
        } catch (IOException e) {
            try {
                ScratchFolder.delete(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new BerthException(ErrorKind.UNAVAILABLE, "prepare snapshot " + chainId + ": " + e, e);
        }
    }

    /**
     * One snapshot being built; not thread-safe. Either {@link #commit} it or {@link #close} it, which
     * removes everything unless it was committed.
     */
    public final class Snapshot implements AutoCloseable {
        private final Digest chainId;
        private final Path tmp;
        private final Path fs;
        private boolean done;

        private Snapshot(Digest chainId, Path tmp, Path fs) {
            this.chainId = chainId;
            this.tmp = tmp;
            this.fs = fs;
        }

        /** The chain ID this snapshot will be stored under. */
        public Digest chainId() {
            return chainId;
        }

        /** The empty directory to unpack into. */
        public Path fs() {
            return fs;
        }

        /**
         * Checks that {@code chainId(parentChainId, result.diffId())} is the chain ID this snapshot was
         * prepared for, writes {@code snapshot.json}, flushes the tree to disk and renames it to its
         * final name; returns the final {@code fs} directory. If another commit of the same chain ID won,
         * its snapshot is kept and this one discarded.
         *
         * @throws BerthException INVALID when the layer's DiffID does not give the expected chain ID,
         *     UNAVAILABLE when the filesystem fails; either way nothing is left behind
         */
        public Path commit(Digest parentChainId, UnpackResult result) throws BerthException {
            if (done) {
                throw new IllegalStateException("snapshot " + chainId + " already committed or closed");
            }
            Digest actual = SnapshotStore.chainId(parentChainId, result.diffId());
            if (!actual.equals(chainId)) {
                close();
                throw new BerthException(ErrorKind.INVALID, "commit snapshot " + chainId + ": layer has diffID "
                        + result.diffId() + ", which gives chain ID " + actual + " (digest mismatch)");
            }
            Path dest = snapshots.resolve(chainId.hex());
            try {
                writeSynced(tmp.resolve(META), json(parentChainId, result));
                syncTree(tmp);
                try {
                    Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("snapshot directory does not support atomic rename", e);
                } catch (IOException e) {
                    // rename(2) onto a non-empty directory fails (ENOTEMPTY, which the JDK reports as a plain
                    // FileSystemException): another commit of the same chain ID won, and its tree is equal.
                    Optional<Path> existing = lookup(chainId);
                    if (existing.isPresent()) {
                        close();
                        return existing.get();
                    }
                    throw e;
                }
                done = true;
                fsyncDirectory(snapshots);
                return dest.resolve(FS);
            } catch (IOException e) {
                close();
                throw new BerthException(ErrorKind.UNAVAILABLE, "commit snapshot " + chainId + ": " + e, e);
            }
        }

        /** Removes the temporary directory unless the snapshot was committed; idempotent. */
        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            try {
                ScratchFolder.delete(tmp);
            } catch (IOException e) {
                // Left for the next constructor's clean-up; nothing under tmp-* is ever read.
            }
        }

        private String json(Digest parent, UnpackResult r) {
            return "{\n"
                    + "  \"chainId\": \"" + chainId + "\",\n"
                    + "  \"diffId\": \"" + r.diffId() + "\",\n"
                    + "  \"parent\": " + (parent == null ? "null" : "\"" + parent + "\"") + ",\n"
                    + "  \"bytes\": " + r.bytes() + ",\n"
                    + "  \"entries\": " + r.entries() + ",\n"
                    + "  \"files\": " + r.files() + ",\n"
                    + "  \"directories\": " + r.directories() + ",\n"
                    + "  \"symlinks\": " + r.symlinks() + ",\n"
                    + "  \"hardlinks\": " + r.hardlinks() + ",\n"
                    + "  \"devices\": " + r.devices() + ",\n"
                    + "  \"whiteouts\": " + r.whiteouts() + "\n"
                    + "}\n";
        }
    }

    private static void writeSynced(Path file, String text) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    /**
     * Flushes the filesystem holding {@code dir} with {@code sync -f} (syncfs), one call instead of an
     * fsync per file; the JDK has no syncfs.
     */
    static void syncTree(Path dir) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sync", "-f", dir.toAbsolutePath().toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("sync -f timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("sync -f interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("sync -f exited " + p.exitValue() + ": " + out);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
