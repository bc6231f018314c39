package dev.berth.api.stage;

import dev.berth.api.BerthException;
import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The archive stage: reads image archives ({@code docker save} format and OCI image-layout archives)
 * into the content store, and writes stored images out as either. Implementations must be thread-safe
 * and must apply the same path-safety rules to archive entries as the expand stage applies to layers.
 */
@ConsumerType
public interface ArchiveStage {
    /** The {@code berth.stage} service property value of archive implementations. */
    String STAGE = "archive";
    /** {@link #save} format: a {@code docker save} archive (manifest.json, repositories, layer tars). */
    String DOCKER = "docker";
    /** {@link #save} format: an OCI image layout in a tar (oci-layout, index.json, blobs/). */
    String OCI = "oci";

    /**
     * Verifies and stores every blob of the archive at {@code archive}, and returns the images it holds;
     * nothing half-read is left in the store when it fails.
     */
    List<LoadedImage> load(Path archive, StageProgress progress) throws BerthException;

    /**
     * Writes the stored images {@code images} to {@code target} in {@code format}, atomically (a temporary
     * file renamed at the end).
     */
    void save(List<SaveItem> images, Path target, String format, StageProgress progress) throws BerthException;
}
