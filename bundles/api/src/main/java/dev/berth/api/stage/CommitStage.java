package dev.berth.api.stage;

import dev.berth.api.BerthException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The commit stage: turns a layer tar into an image in the content store, on top of a stored image or on
 * its own. It compresses the layer, writes the new config (the base config with the layer's diff id,
 * a history entry and the requested config changes) and the manifest, each verified and stored under its
 * digest, and returns the new image; the engine then expands the layer and records the image. The layer's
 * entries get the same path-safety checks as the expand stage applies. Implementations must be
 * thread-safe and leave nothing half-written in the store when they fail.
 */
@ConsumerType
public interface CommitStage {
    /** The {@code berth.stage} service property value of commit implementations. */
    String STAGE = "commit";

    /** Builds the image; its {@link LoadedImage#tags()} are empty (the engine tags). */
    LoadedImage build(BuildRequest request, StageProgress progress) throws BerthException;
}
