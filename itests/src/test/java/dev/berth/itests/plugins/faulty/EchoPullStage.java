package dev.berth.itests.plugins.faulty;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.stage.PullRequest;
import dev.berth.api.stage.PullStage;
import dev.berth.api.stage.PulledImage;
import dev.berth.api.stage.StageProgress;
import org.osgi.framework.BundleContext;

/**
 * A well-behaved alternative pull stage that pulls nothing: {@code pull} fails NOT_FOUND with
 * "echo pull stage &lt;version&gt;: &lt;reference&gt;", where the version is its own bundle's, so a test
 * can tell which implementation (and which build of it) answered a pull after a swap. DS passes the
 * bundle context to the constructor (DS 1.4 constructor injection).
 */
public final class EchoPullStage implements PullStage {
    /** The start of every message this stage answers with. */
    public static final String PREFIX = "echo pull stage ";

    private final String version;

    public EchoPullStage(BundleContext context) {
        this.version = context.getBundle().getVersion().toString();
    }

    @Override
    public PulledImage pull(PullRequest request, StageProgress progress) throws BerthException {
        throw new BerthException(ErrorKind.NOT_FOUND, PREFIX + version + ": " + request.reference());
    }
}
