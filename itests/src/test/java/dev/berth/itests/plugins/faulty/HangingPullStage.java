package dev.berth.itests.plugins.faulty;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.stage.PullRequest;
import dev.berth.api.stage.PullStage;
import dev.berth.api.stage.PulledImage;
import dev.berth.api.stage.StageProgress;
import java.util.concurrent.CountDownLatch;

/**
 * A pull stage that hangs on purpose: {@code pull} blocks (parked on a latch nobody counts down, using
 * no CPU) until its thread is interrupted, then fails UNAVAILABLE "interrupted" with the interrupt flag
 * set again. Lets tests check that a stuck plugin neither blocks the engine nor outlives its removal
 * unnoticed. Stopping the bundle does not wake a call that is already waiting: only an interrupt does.
 */
public final class HangingPullStage implements PullStage {
    private final CountDownLatch never = new CountDownLatch(1);

    public HangingPullStage() {
    }

    @Override
    public PulledImage pull(PullRequest request, StageProgress progress) throws BerthException {
        try {
            never.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.UNAVAILABLE, "pull of " + request.reference() + ": interrupted", e);
        }
        throw new IllegalStateException("the latch of the hanging test plugin was released");
    }
}
