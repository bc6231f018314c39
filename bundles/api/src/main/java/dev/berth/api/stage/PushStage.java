package dev.berth.api.stage;

import dev.berth.api.BerthException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The push stage, the other half of pull: uploads a stored image to an OCI registry with the same
 * authentication as pull. Blobs the registry has are skipped, blobs another repository of that registry
 * holds are mounted across when it allows, the rest are uploaded; the manifest goes last, so a push that
 * fails leaves no tag on a half-pushed image. Implementations append a {@code blob.pushed} event for
 * each blob and must be thread-safe.
 */
@ConsumerType
public interface PushStage {
    /** The {@code berth.stage} service property value of push implementations. */
    String STAGE = "push";

    /** Pushes, reporting progress per blob; fails with a message naming the reference and the cause. */
    PushedImage push(PushRequest request, StageProgress progress) throws BerthException;
}
