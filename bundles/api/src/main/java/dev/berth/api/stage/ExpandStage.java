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
}
