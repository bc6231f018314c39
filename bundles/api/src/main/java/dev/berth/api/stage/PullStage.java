package dev.berth.api.stage;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The pull stage: resolves a reference to a manifest for one platform and brings the config and every
 * layer into the content store, verified. Implementations append their own facts to the event log
 * ({@code manifest.resolved}, {@code blob.fetched}, {@code blob.rejected}) and must be thread-safe.
 */
@ConsumerType
public interface PullStage {
    /** The {@code berth.stage} service property value of pull implementations. */
    String STAGE = "pull";

    /** Pulls, reporting progress as it goes; fails with a message naming the reference and the cause. */
    PulledImage pull(PullRequest request, StageProgress progress) throws BerthException;

    /**
     * Pulls as {@link #pull(PullRequest, StageProgress)} does, telling {@code observer} about the image as soon as
     * its config is stored and about each layer blob while it downloads, so the engine can expand layers while
     * they arrive. The default tells nothing: the engine then expands after the pull, as before.
     *
     * @since 1.3
     */
    default PulledImage pull(PullRequest request, StageProgress progress, PullObserver observer)
            throws BerthException {
        return pull(request, progress);
    }

    /**
     * Checks a login against {@code registry} and stores it for later pulls, never logging the password.
     * Implementations without credential support answer UNAVAILABLE.
     */
    default void login(String registry, String username, String password, Set<String> insecureRegistries)
            throws BerthException {
        throw new BerthException(ErrorKind.UNAVAILABLE, "log in to " + registry + ": this pull stage keeps no logins");
    }
}
