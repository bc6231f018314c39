package dev.berth.itests.plugins.faulty;

import dev.berth.api.stage.PullRequest;
import dev.berth.api.stage.PullStage;
import dev.berth.api.stage.PulledImage;
import dev.berth.api.stage.StageProgress;

/**
 * A pull stage whose {@code pull} always throws an unchecked {@link IllegalStateException} instead of a
 * {@link dev.berth.api.BerthException}, like a plugin with a bug: tests check the engine survives it and
 * reports it.
 */
public final class ThrowingPullStage implements PullStage {
    /** The start of every message this stage throws. */
    public static final String MESSAGE = "deliberate fault in the faulty test plugin";

    public ThrowingPullStage() {
    }

    @Override
    public PulledImage pull(PullRequest request, StageProgress progress) {
        throw new IllegalStateException(MESSAGE + ": pull of " + request.reference() + " refused");
    }
}
