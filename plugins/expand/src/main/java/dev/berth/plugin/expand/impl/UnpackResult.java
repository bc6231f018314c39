package dev.berth.plugin.expand.impl;

import dev.berth.api.image.Digest;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What unpacking one layer produced; an immutable value.
 *
 * @param diffId sha256 of the uncompressed tar stream, as OCI {@code rootfs.diff_ids} lists it
 * @param entries tar entries processed (PAX and GNU long-name headers excluded)
 * @param bytes uncompressed bytes of the tar stream, padding and end-of-archive blocks included
 * @param files regular files written
 * @param directories directory entries (implicitly created parents are not counted)
 * @param symlinks symbolic links
 * @param hardlinks hard links
 * @param devices character and block devices and fifos (whiteout devices are not counted here)
 * @param whiteouts OCI whiteouts converted: {@code .wh.NAME} devices plus opaque markers
 * @param xattrsSkipped extended attributes the layer carried that were not applied
 * @param warnings the first few human-readable notes about skipped attributes or entries
 * @param elapsed wall time spent
 */
public record UnpackResult(Digest diffId, long entries, long bytes, long files, long directories, long symlinks,
        long hardlinks, long devices, long whiteouts, long xattrsSkipped, List<String> warnings, Duration elapsed) {

    public UnpackResult {
        Objects.requireNonNull(diffId, "diffId");
        warnings = List.copyOf(warnings);
        Objects.requireNonNull(elapsed, "elapsed");
    }
}
