package dev.berth.api.plugin;

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
 * Puts a native program a plugin carries in its bundle on disk, so it can be started: as
 * {@code <dir>/<name>-<first 12 hex of its sha256>}, mode 0755, written to a temporary file and renamed
 * into place, and reused when already there. The content-addressed name lets processes of an older
 * plugin version keep running from their file while a newer version puts its own beside it. Stateless;
 * safe to call concurrently, also from two versions of one plugin.
 */
public final class BundledExecutable {

    private BundledExecutable() {
    }

    /**
     * Extracts the resource {@code name}, found beside {@code owner} (in its package), into {@code dir}.
     *
     * @return the path of the executable file
     * @throws IOException naming the program when the resource is missing or cannot be written
     */
    public static Path extract(Class<?> owner, String name, Path dir) throws IOException {
        byte[] bytes;
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the " + name + " program is missing from the bundle of " + owner.getName());
            }
            bytes = in.readAllBytes();
        }
        String hex;
        try {
            hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("extract " + name + ": sha256 unavailable", e);
        }
        Files.createDirectories(dir);
        Path target = dir.resolve(name + "-" + hex);
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length && Files.isExecutable(target)) {
            return target;
        }
        Path tmp = Files.createTempFile(dir, "." + name + "-", ".tmp");
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
