package dev.berth.api.stage;

import dev.berth.api.BerthException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The expand stage: unpacks one layer blob from the content store into its own snapshot, keyed by chain
 * id, once. Implementations append {@code layer.expanded} and must be thread-safe.
 */
@ConsumerType
public interface ExpandStage {
    /** The {@code berth.stage} service property value of expand implementations. */
    String STAGE = "expand";

    /** Expands one layer, or finds its snapshot already there. */
    ExpandedLayer expand(ExpandRequest request, StageProgress progress) throws BerthException;

    /**
     * Expands one layer whose blob may still be downloading. A streaming implementation unpacks while
     * {@code blob} grows, checks the digest and size of the bytes it read and the diff id, and gives the
     * snapshot its final name (and logs {@code layer.expanded}) only after {@link GrowingBlob#awaitStored()}
     * too has succeeded; any failure leaves no snapshot. The default waits until the blob is stored and then
     * expands it as {@link #expand(ExpandRequest, StageProgress)} does.
     *
     * @since 1.3
     */
    default ExpandedLayer expand(ExpandRequest request, GrowingBlob blob, StageProgress progress)
            throws BerthException {
        blob.awaitStored();
        return expand(request, progress);
    }
}
