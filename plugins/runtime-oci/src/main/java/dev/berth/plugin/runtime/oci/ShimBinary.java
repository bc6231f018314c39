package dev.berth.plugin.runtime.oci;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Puts the {@code berth-shim} monitor carried in this package on disk as
 * {@code <stateRoot>/runtimes/shim/berth-shim-<first 12 hex of its sha256>} (mode 0755, written to a
 * temporary file and renamed into place; reused when present). The content-addressed name lets shims
 * of an older release keep running while a newer one is installed. Stateless; safe to call concurrently.
 */
final class ShimBinary {
    static final String RESOURCE = "berth-shim";

    private ShimBinary() {
    }

    /** The extracted monitor binary under {@code stateRoot}. */
    static Path extract(Path stateRoot) throws IOException {
        byte[] bytes;
        try (InputStream in = ShimBinary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the berth-shim monitor binary is missing from this bundle");
            }
            bytes = in.readAllBytes();
        }
        String hex;
        try {
            hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("sha256 unavailable", e);
        }
        Path dir = stateRoot.resolve("runtimes").resolve("shim");
        Files.createDirectories(dir);
        Path target = dir.resolve("berth-shim-" + hex);
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length && Files.isExecutable(target)) {
            return target;
        }
        Path tmp = Files.createTempFile(dir, ".berth-shim-", ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }
}
