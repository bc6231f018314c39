package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Finds out whether overlayfs works under a state root by really mounting a tiny overlay (one lower
 * layer, an upper and a work directory) in {@code <root>/mounts/.probe-<random>}, checking that a lower
 * file shows through and that deleting it leaves a whiteout in upper, then unmounting it. The probe
 * directory is always removed. Thread-safe: each probe uses its own directory.
 */
final class OverlayProbe {
    private static final String PREFIX = ".probe-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private OverlayProbe() {
    }

    /**
     * Empty if overlayfs works under {@code mounts}, mounting through {@code calls}; otherwise why not. Probe directories an earlier,
     * interrupted probe left are unmounted and removed first.
     */
    static Optional<String> run(Path mounts, Mounts calls) {
        removeLeftovers(mounts, calls);
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        Path dir = mounts.resolve(PREFIX + HexFormat.of().formatHex(random));
        Path merged = dir.resolve("merged");
        String failure = null;
        try {
            Files.createDirectories(mounts);
            Files.createDirectory(dir);
            Path lower = Files.createDirectory(dir.resolve("lower"));
            Path upper = Files.createDirectory(dir.resolve("upper"));
            Path work = Files.createDirectory(dir.resolve("work"));
            Files.createDirectory(merged);
            Files.writeString(lower.resolve("seen"), "probe");
            calls.mountOverlay(OverlayOptions.of("probe overlayfs", List.of(lower), upper, work), merged);
            failure = check(merged, upper);
        } catch (IOException | BerthException e) {
            failure = e.getMessage();
        } finally {
            try {
                calls.unmount(merged, "probe overlayfs");
                Trees.delete(dir);
            } catch (IOException | BerthException e) {
                failure = failure == null ? "clean up " + dir + ": " + e.getMessage() : failure;
            }
        }
        return Optional.ofNullable(failure);
    }

    private static void removeLeftovers(Path mounts, Mounts calls) {
        if (!Files.isDirectory(mounts, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(mounts, PREFIX + "*")) {
            for (Path dir : stale) {
                calls.unmountAllUnder(dir, "remove stale overlayfs probe");
                Trees.delete(dir);
            }
        } catch (IOException | BerthException e) {
            // The probe itself will tell whether the state root is usable; a stale folder is harmless.
        }
    }

    private static String check(Path merged, Path upper) throws IOException {
        if (!Files.exists(merged.resolve("seen"))) {
            return "a file in the lower layer did not show in the overlay";
        }
        Files.delete(merged.resolve("seen"));
        Path whiteout = upper.resolve("seen");
        if (!Files.exists(whiteout, LinkOption.NOFOLLOW_LINKS)
                || !LayerCopier.isWhiteout(whiteout, Files.readAttributes(whiteout,
                        BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS))) {
            return "deleting a lower file left no 0:0 whiteout in the upper layer";
        }
        return null;
    }
}
