package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.LayerTar;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Writes a tar so that {@code target} either holds all of it or is untouched: the tar goes to a new
 * temporary file (mode 0600) in the target's directory, is flushed to disk, renamed onto the target
 * (replacing what was there), and the directory is flushed too. On any failure the temporary file, or
 * the renamed tar whose rename could not be made durable, is deleted. The sha256 digest and size are
 * taken from the bytes as written. Stateless and thread-safe.
 */
final class AtomicTar {
    private static final String TMP_PREFIX = ".berth-tar-";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What goes into the tar. */
    interface Content {
        void writeTo(TreeTarWriter tar) throws IOException;
    }

    private AtomicTar() {
    }

    /**
     * Writes {@code content} as a tar at {@code target} (absolute, in an existing directory).
     * {@code action} starts error messages; failures are {@link ErrorKind#UNAVAILABLE} with the cause kept.
     */
    static LayerTar write(String action, Path target, Content content) throws BerthException {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        Path tmp = target.resolveSibling(TMP_PREFIX + HexFormat.of().formatHex(random) + ".tmp");
        Path written = null;
        try {
            MessageDigest sha256 = sha256();
            long size;
            int entries;
            try (FileChannel channel = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")))) {
                written = tmp;
                // Not closed: closing would close the channel before it is forced.
                OutputStream out = new DigestOutputStream(
                        new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16), sha256);
                TreeTarWriter tar = new TreeTarWriter(out);
                content.writeTo(tar);
                tar.finish();
                out.flush();
                channel.force(true);
                size = channel.size();
                entries = tar.entries();
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            written = target;
            try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
            return new LayerTar(target.toString(), size, "sha256:" + HexFormat.of().formatHex(sha256.digest()),
                    entries);
        } catch (IOException | RuntimeException e) {
            ErrorKind kind = e instanceof IOException ? ErrorKind.UNAVAILABLE : ErrorKind.INTERNAL;
            BerthException failure = new BerthException(kind, action + ": write " + target + ": " + e.getMessage(), e);
            if (written != null) {
                try {
                    Files.deleteIfExists(written);
                } catch (IOException cleanup) {
                    failure.addSuppressed(cleanup);
                }
            }
            throw failure;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
