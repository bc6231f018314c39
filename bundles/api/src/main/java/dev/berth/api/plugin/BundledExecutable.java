package dev.berth.api.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Puts a native program a plugin carries in its bundle on disk, so it can be started: as
 * {@code <dir>/<name>-<first 12 hex of its sha256>}, mode 0755, written to a temporary file and renamed
 * into place, and reused when already there. The content-addressed name lets processes of an older
 * plugin version keep running from their file while a newer version puts its own beside it.
 *
 * <p>When the bundle also carries {@code <name>.sha256} (the hex digest, written by the build from the
 * same file in the same step), that digest names the file and the program is not hashed at all: a
 * program already on disk is found without even reading it, and a plugin's activation stays cheap
 * (hashing half a megabyte before the JIT compiler has warmed up takes tens of milliseconds, during
 * the daemon's start). Without one, the digest is computed. Stateless; safe to call concurrently, also
 * from two versions of one plugin.
 */
public final class BundledExecutable {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    private BundledExecutable() {
    }

    /**
     * Extracts the resource {@code name}, found beside {@code owner} (in its package), into {@code dir}.
     *
     * @return the path of the executable file
     * @throws IOException naming the program when the resource is missing or cannot be written
     */
    public static Path extract(Class<?> owner, String name, Path dir) throws IOException {
        String recorded = recordedDigest(owner, name);
        if (recorded != null) {
            Path target = dir.resolve(name + "-" + recorded.substring(0, 12));
            if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.isExecutable(target)) {
                return target;
            }
        }
        byte[] bytes;
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the " + name + " program is missing from the bundle of " + owner.getName());
            }
            bytes = in.readAllBytes();
        }
        String hex = recorded != null ? recorded : sha256(name, bytes);
        Files.createDirectories(dir);
        Path target = dir.resolve(name + "-" + hex.substring(0, 12));
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == bytes.length
                && Files.isExecutable(target)) {
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

    /** The digest in {@code <name>.sha256} beside the program, or null when there is none or it is unreadable. */
    private static String recordedDigest(Class<?> owner, String name) throws IOException {
        try (InputStream in = owner.getResourceAsStream(name + ".sha256")) {
            if (in == null) {
                return null;
            }
            String text = new String(in.readNBytes(256), StandardCharsets.US_ASCII).strip();
            String first = text.isEmpty() ? "" : text.split("\\s+", 2)[0].toLowerCase(java.util.Locale.ROOT);
            return HEX.matcher(first).matches() ? first : null;
        }
    }

    private static String sha256(String name, byte[] bytes) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("extract " + name + ": sha256 unavailable", e);
        }
    }
}
