package dev.berth.itests.plugins.faulty;

import dev.berth.api.stage.PullRequest;
import dev.berth.api.stage.PullStage;
import dev.berth.api.stage.PulledImage;
import dev.berth.api.stage.StageProgress;

/**
 * A pull stage that can never be activated: its constructor, which SCR calls to activate the component,
 * throws. Its bundle starts fine; SCR is left holding a component configuration that failed activation.
 */
public final class FailingActivationPullStage implements PullStage {
    /** The message of the constructor's exception. */
    public static final String MESSAGE = "deliberate activation failure of the faulty test plugin";

    public FailingActivationPullStage() {
        throw new IllegalStateException(MESSAGE);
    }

    @Override
    public PulledImage pull(PullRequest request, StageProgress progress) {
        throw new IllegalStateException("unreachable: " + getClass().getName() + " is never constructed");
    }
}
