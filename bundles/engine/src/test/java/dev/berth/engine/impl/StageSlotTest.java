package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The swap semantics of {@link StageSlot}: which implementation serves, leases that never move, removals that
 * drain the calls under way, and calls that wait for a replacement. Concurrency is checked with latches and
 * thread states, never with sleeps that guess how long something takes.
 */
class StageSlotTest {
    /** Long enough that a test would hang (and hit the preemptive bound) if the slot waited for it. */
    private static final long LONG_WAIT_MS = 600_000;
    /** The generous bound for "at once" and "as soon as": the machine is shared and noisy. */
    private static final Duration BOUND = Duration.ofSeconds(20);

    /** A stand-in stage service; the slot keys calls under way by identity, so each instance is distinct. */
    static final class Svc {
        private final String label;

        Svc(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void stopThreads() throws InterruptedException {
        for (Thread thread : threads) {
            thread.interrupt();
            thread.join(10_000);
        }
    }

    private static StageSlot.Impl<Svc> impl(String label, String plugin, String name, int ranking, long serviceId) {
        return new StageSlot.Impl<>(new Svc(label), plugin, "1.0." + serviceId, name, ranking, serviceId);
    }

    private static StageSlot.Impl<Svc> impl(String plugin, int ranking, long serviceId) {
        return impl(plugin + "#" + serviceId, plugin, plugin, ranking, serviceId);
    }

    private static StageSlot<Svc> slot(String stage, List<StageSlot.Impl<Svc>> impls) {
        StageSlot<Svc> slot = new StageSlot<>(stage);
        impls.forEach(slot::add);
        return slot;
    }

    /** Runs {@code body} on a daemon thread of this test and returns its result as a future. */
    private <R> CompletableFuture<R> onAnotherThread(String name, java.util.concurrent.Callable<R> body) {
        CompletableFuture<R> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
        return result;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Waits until {@code thread} is parked in a timed wait (Object.wait with a timeout): blocked in the slot. */
    private static void awaitWaiting(Thread thread) throws InterruptedException {
        await(() -> thread.getState() == Thread.State.TIMED_WAITING, thread.getName() + " waits in the slot");
    }

    private Thread lastThread() {
        return threads.get(threads.size() - 1);
    }

    // ---- no implementation -------------------------------------------------------------------------------

    @Test
    void withNoImplementationAnUnnamedCallFailsAtOnceNamingTheStage() {
        StageSlot<Svc> slot = new StageSlot<>("spec");

        BerthException e = assertTimeoutPreemptively(BOUND,
                () -> assertThrows(BerthException.class, () -> slot.acquire(null, LONG_WAIT_MS)),
                "nothing ever left, so there is nothing to wait for");

        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("no spec stage is active"), e.getMessage());
        assertEquals(0, slot.underWay());
        assertTrue(slot.active().isEmpty());
    }

    @Test
    void withNoImplementationANamedCallFailsAtOnceNamingTheRuntime() {
        StageSlot<Svc> slot = slot("runtime", List.of(impl("r", "dev.berth.plugin.runc", "runc", 0, 1)));

        BerthException e = assertTimeoutPreemptively(BOUND,
                () -> assertThrows(BerthException.class, () -> slot.acquire("crun", LONG_WAIT_MS)));

        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("runtime plugin named \"crun\""), e.getMessage());
        assertEquals(0, slot.underWay(), "a failed acquire leaves nothing under way");
    }

    // ---- who serves ------------------------------------------------------------------------------------------

    private static Arguments pick(String name, List<StageSlot.Impl<Svc>> impls, String chosen, String callName,
            String expected) {
        return Arguments.of(name, impls, chosen, callName, expected);
    }

    static Stream<Arguments> selection() {
        return Stream.of(
                pick("OnlyOne", List.of(impl("a", 0, 5)), null, null, "a#5"),
                pick("HighestRankingWinsOverOlder", List.of(impl("a", 0, 1), impl("b", 10, 2)), null, null, "b#2"),
                pick("HighestRankingWinsOverNewer", List.of(impl("a", 10, 1), impl("b", 0, 2)), null, null, "a#1"),
                pick("TieGoesToOldestServiceId", List.of(impl("b", 5, 9), impl("a", 5, 3), impl("c", 5, 7)), null,
                        null, "a#3"),
                pick("NegativeRankingsStillOrdered", List.of(impl("a", -5, 1), impl("b", -1, 2)), null, null, "b#2"),
                pick("ExtremeRankings", List.of(impl("a", Integer.MIN_VALUE, 1), impl("b", Integer.MAX_VALUE, 2)),
                        null, null, "b#2"),
                pick("ChosenPluginServesDespiteLowerRanking", List.of(impl("a", 100, 1), impl("b", 0, 2)), "b",
                        null, "b#2"),
                pick("ChosenPluginAbsentFallsBackToRanking", List.of(impl("a", 0, 1), impl("b", 10, 2)), "gone",
                        null, "b#2"),
                pick("ChosenIsMatchedByPluginNotByName",
                        List.of(impl("x", "dev.berth.plugin.runc", "runc", 10, 1),
                                impl("y", "dev.berth.plugin.crun", "crun", 0, 2)), "crun", null, "x"),
                pick("ChosenWithSeveralRegistrationsNewestServes",
                        List.of(impl("old", "b", "b", 0, 2), impl("a", "a", "a", 50, 1), impl("new", "b", "b", 0, 8),
                                impl("mid", "b", "b", 0, 5)), "b", null, "new"),
                pick("NamedCallPicksByNameOverRankingAndChoice",
                        List.of(impl("runc", "dev.berth.plugin.runc", "runc", 100, 1),
                                impl("crun", "dev.berth.plugin.crun", "crun", 0, 2)), "dev.berth.plugin.runc",
                        "crun", "crun"),
                pick("NamedCallWithSeveralRegistrationsNewestServes",
                        List.of(impl("crun-old", "p", "crun", 0, 3), impl("crun-new", "p", "crun", 0, 4)), null,
                        "crun", "crun-new"),
                pick("NameIsCaseSensitive",
                        List.of(impl("lower", "p", "crun", 0, 1), impl("upper", "q", "CRUN", 0, 2)), null, "CRUN",
                        "upper"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("selection")
    void theRightImplementationServes(String name, List<StageSlot.Impl<Svc>> impls, String chosen, String callName,
            String expected) throws Exception {
        StageSlot<Svc> slot = slot("stage", impls);
        slot.choose(chosen);

        try (StageSlot<Svc>.Lease lease = slot.acquire(callName, 0)) {
            assertEquals(expected, lease.impl().service().toString());
            assertEquals(1, slot.underWay());
        }
        if (callName == null) {
            assertEquals(expected, slot.active().orElseThrow().service().toString(), "active() agrees with acquire");
        }
        assertEquals(0, slot.underWay());
    }

    @Test
    void choosingNullGivesTheChoiceBackToRanking() throws Exception {
        StageSlot<Svc> slot = slot("spec", List.of(impl("a", 10, 1), impl("b", 0, 2)));
        slot.choose("b");
        assertEquals("b", slot.chosen());
        assertEquals("b#2", slot.active().orElseThrow().service().toString());

        slot.choose(null);

        assertEquals(null, slot.chosen());
        assertEquals("a#1", slot.active().orElseThrow().service().toString());
    }

    @Test
    void presentListsEveryImplementationOldestFirstAsACopy() {
        StageSlot.Impl<Svc> first = impl("a", 0, 1);
        StageSlot.Impl<Svc> second = impl("b", 0, 2);
        StageSlot<Svc> slot = slot("spec", List.of(first, second));

        List<StageSlot.Impl<Svc>> present = slot.present();

        assertEquals(List.of(first, second), present);
        assertThrows(UnsupportedOperationException.class, () -> present.remove(0));
        assertEquals("spec", slot.stage());
        assertEquals("plugin a 1.0.1", first.describe());
    }

    // ---- leases ----------------------------------------------------------------------------------------------

    @Test
    void aLeaseKeepsItsImplementationWhenTheChoiceChanges() throws Exception {
        StageSlot.Impl<Svc> a = impl("a", 10, 1);
        StageSlot.Impl<Svc> b = impl("b", 0, 2);
        StageSlot<Svc> slot = slot("expand", List.of(a, b));

        StageSlot<Svc>.Lease first = slot.acquire(null, 0);
        slot.choose("b");
        StageSlot<Svc>.Lease second = slot.acquire(null, 0);

        assertSame(a, first.impl(), "the call under way stays where it started");
        assertSame(b, second.impl(), "the next call goes to the chosen plugin");
        assertEquals(2, slot.underWay());
        first.close();
        second.close();
        assertEquals(0, slot.underWay());
    }

    @Test
    void underWayCountsEveryOpenLeaseAcrossImplementations() throws Exception {
        StageSlot<Svc> slot = slot("spec", List.of(impl("a", 0, 1), impl("b", 0, 2)));
        List<StageSlot<Svc>.Lease> leases = new ArrayList<>();
        leases.add(slot.acquire(null, 0));
        leases.add(slot.acquire(null, 0));
        slot.choose("b");
        leases.add(slot.acquire(null, 0));
        assertEquals(3, slot.underWay());

        leases.get(1).close();
        assertEquals(2, slot.underWay());
        leases.get(2).close();
        assertEquals(1, slot.underWay());
        leases.get(0).close();
        assertEquals(0, slot.underWay());
    }

    @Test
    void closingALeaseTwiceReleasesItOnce() throws Exception {
        StageSlot<Svc> slot = slot("spec", List.of(impl("a", 0, 1)));
        StageSlot<Svc>.Lease one = slot.acquire(null, 0);
        StageSlot<Svc>.Lease two = slot.acquire(null, 0);

        one.close();
        one.close();
        one.close();

        assertEquals(1, slot.underWay(), "the second lease is still under way");
        two.close();
        assertEquals(0, slot.underWay());
    }

    // ---- removal ---------------------------------------------------------------------------------------------

    @Test
    void removeWaitsForTheLeasesOnThatServiceToClose() throws Exception {
        StageSlot.Impl<Svc> a = impl("a", 10, 1);
        StageSlot.Impl<Svc> b = impl("b", 0, 2);
        StageSlot<Svc> slot = slot("pull", List.of(a, b));
        StageSlot<Svc>.Lease onA = slot.acquire(null, 0);
        assertSame(a, onA.impl());
        CountDownLatch removeReturned = new CountDownLatch(1);

        CompletableFuture<Integer> removal = onAnotherThread("remover", () -> {
            try {
                return slot.remove(a.service(), LONG_WAIT_MS);
            } finally {
                removeReturned.countDown();
            }
        });
        Thread remover = lastThread();
        awaitWaiting(remover);

        assertFalse(slot.present().contains(a), "a leaving implementation is out of the choice at once");
        try (StageSlot<Svc>.Lease onB = slot.acquire(null, 0)) {
            assertSame(b, onB.impl(), "new calls go to the one that stays while the old one drains");
        }
        assertEquals(1, removeReturned.getCount(), "remove returned while a call on it was still open");
        assertFalse(removal.isDone());

        onA.close();

        assertTrue(removeReturned.await(BOUND.toMillis(), TimeUnit.MILLISECONDS), "remove did not return after close");
        assertEquals(0, removal.get());
        assertEquals(0, slot.underWay());
    }

    @Test
    void removeIgnoresLeasesOnOtherServices() throws Exception {
        StageSlot.Impl<Svc> a = impl("a", 0, 1);
        StageSlot.Impl<Svc> b = impl("b", 0, 2);
        StageSlot<Svc> slot = slot("pull", List.of(a, b));
        slot.choose("b");
        StageSlot<Svc>.Lease onB = slot.acquire(null, 0);

        int left = assertTimeoutPreemptively(BOUND, () -> slot.remove(a.service(), LONG_WAIT_MS));

        assertEquals(0, left);
        assertEquals(List.of(b), slot.present());
        onB.close();
    }

    @Test
    void removeReturnsHowManyCallsWereStillUnderWayWhenTheDrainTimeRanOut() throws Exception {
        StageSlot.Impl<Svc> a = impl("a", 0, 1);
        StageSlot<Svc> slot = slot("spec", List.of(a));
        StageSlot<Svc>.Lease one = slot.acquire(null, 0);
        StageSlot<Svc>.Lease two = slot.acquire(null, 0);

        int left = assertTimeoutPreemptively(BOUND, () -> slot.remove(a.service(), 50));

        assertEquals(2, left);
        assertEquals(List.of(), slot.present());
        assertEquals(2, slot.underWay(), "the abandoned calls still count until they end");
        one.close();
        two.close();
        assertEquals(0, slot.underWay());
    }

    @Test
    void removeWithZeroDrainTimeDoesNotWait() throws Exception {
        StageSlot.Impl<Svc> a = impl("a", 0, 1);
        StageSlot<Svc> slot = slot("spec", List.of(a));
        StageSlot<Svc>.Lease lease = slot.acquire(null, 0);

        assertEquals(1, assertTimeoutPreemptively(BOUND, () -> slot.remove(a.service(), 0)));
        lease.close();
    }

    @Test
    void removingAServiceThatIsNotPresentReturnsZeroAndChangesNothing() throws Exception {
        StageSlot.Impl<Svc> a = impl("a", 0, 1);
        StageSlot<Svc> slot = slot("spec", List.of(a));

        assertEquals(0, slot.remove(new Svc("stranger"), LONG_WAIT_MS));
        assertEquals(List.of(a), slot.present());

        // Nothing left, so a call that finds nothing does not wait for a replacement either.
        StageSlot<Svc> empty = new StageSlot<>("spec");
        assertEquals(0, empty.remove(new Svc("stranger"), 0));
        assertThrows(BerthException.class, () -> assertTimeoutPreemptively(BOUND,
                () -> empty.acquire(null, LONG_WAIT_MS)));
    }

    @Test
    void anInterruptedRemoveStopsWaitingAndKeepsTheInterrupt() throws Exception {
        StageSlot.Impl<Svc> a = impl("a", 0, 1);
        StageSlot<Svc> slot = slot("spec", List.of(a));
        StageSlot<Svc>.Lease lease = slot.acquire(null, 0);
        CompletableFuture<Boolean> interruptedAfter = new CompletableFuture<>();

        CompletableFuture<Integer> removal = onAnotherThread("remover", () -> {
            int left = slot.remove(a.service(), LONG_WAIT_MS);
            interruptedAfter.complete(Thread.currentThread().isInterrupted());
            return left;
        });
        Thread remover = lastThread();
        awaitWaiting(remover);
        remover.interrupt();

        assertEquals(1, removal.get(BOUND.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(interruptedAfter.get(), "the interrupt status is restored for the caller");
        lease.close();
    }

    /**
     * Bug: {@code remove} computes its deadline as {@code now + drainMillis * 1_000_000}, which overflows for
     * drain times above about 292 years; the deadline then lies in the past and remove returns at once
     * without draining. The engine passes its stage timeout here, and {@code berth daemon --stage-timeout}
     * accepts any positive number of seconds (9223372037 or more reaches this).
     */
    @Test
    void aHugeDrainTimeStillWaitsForTheCallsUnderWay() throws Exception {
        StageSlot.Impl<Svc> a = impl("a", 0, 1);
        StageSlot<Svc> slot = slot("spec", List.of(a));
        StageSlot<Svc>.Lease lease = slot.acquire(null, 0);
        CountDownLatch removeReturned = new CountDownLatch(1);

        CompletableFuture<Integer> removal = onAnotherThread("remover", () -> {
            try {
                return slot.remove(a.service(), Long.MAX_VALUE);
            } finally {
                removeReturned.countDown();
            }
        });
        await(() -> !slot.present().contains(a), "the removal started");

        assertFalse(removeReturned.await(300, TimeUnit.MILLISECONDS), "remove returned while a call was open: "
                + (removal.isDone() ? removal.getNow(-1) : "?"));
        lease.close();
        assertTrue(removeReturned.await(BOUND.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(0, removal.get());
    }

    // ---- waiting for a replacement ---------------------------------------------------------------------------

    @Test
    void afterARemovalACallWaitsAndGetsTheReplacementAsSoonAsItIsAdded() throws Exception {
        StageSlot.Impl<Svc> old = impl("old", "p", "p", 0, 1);
        StageSlot<Svc> slot = slot("spec", List.of(old));
        assertEquals(0, slot.remove(old.service(), 0));
        CountDownLatch acquired = new CountDownLatch(1);

        CompletableFuture<StageSlot.Impl<Svc>> call = onAnotherThread("caller", () -> {
            try (StageSlot<Svc>.Lease lease = slot.acquire(null, LONG_WAIT_MS)) {
                acquired.countDown();
                return lease.impl();
            }
        });
        awaitWaiting(lastThread());
        assertEquals(1, acquired.getCount(), "the call went ahead with no implementation present");

        StageSlot.Impl<Svc> replacement = impl("new", "p", "p", 0, 2);
        slot.add(replacement);

        assertTrue(acquired.await(BOUND.toMillis(), TimeUnit.MILLISECONDS), "the waiting call did not go ahead");
        assertSame(replacement, call.get());
    }

    @Test
    void afterARuntimeLeftANamedCallForItWaitsForItsReplacement() throws Exception {
        StageSlot.Impl<Svc> crun = impl("crun-1", "dev.berth.plugin.crun", "crun", 0, 1);
        StageSlot.Impl<Svc> runc = impl("runc", "dev.berth.plugin.runc", "runc", 0, 2);
        StageSlot<Svc> slot = slot("runtime", List.of(crun, runc));
        slot.remove(crun.service(), 0);

        CompletableFuture<StageSlot.Impl<Svc>> call = onAnotherThread("caller", () -> {
            try (StageSlot<Svc>.Lease lease = slot.acquire("crun", LONG_WAIT_MS)) {
                return lease.impl();
            }
        });
        awaitWaiting(lastThread());
        slot.add(impl("other", "dev.berth.plugin.other", "other", 0, 3));
        // Woken by the unrelated arrival, the call must go back to waiting for "crun" rather than take it.
        awaitWaiting(lastThread());
        assertFalse(call.isDone(), "a named call took " + (call.isDone() ? call.getNow(null) : null));

        StageSlot.Impl<Svc> crun2 = impl("crun-2", "dev.berth.plugin.crun", "crun", 0, 4);
        slot.add(crun2);

        assertSame(crun2, call.get(BOUND.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void aNamedCallForAnotherRuntimeDoesNotWaitWhenOneRuntimeLeft() throws Exception {
        StageSlot.Impl<Svc> crun = impl("crun", "dev.berth.plugin.crun", "crun", 0, 1);
        StageSlot<Svc> slot = slot("runtime", List.of(crun));
        slot.remove(crun.service(), 0);

        BerthException e = assertTimeoutPreemptively(BOUND,
                () -> assertThrows(BerthException.class, () -> slot.acquire("youki", LONG_WAIT_MS)));

        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("\"youki\""), e.getMessage());
    }

    @Test
    void afterTheWaitPeriodWithNoReplacementTheCallFailsUnavailable() throws Exception {
        StageSlot.Impl<Svc> old = impl("old", 0, 1);
        StageSlot<Svc> slot = slot("expand", List.of(old));
        long before = System.nanoTime();
        slot.remove(old.service(), 0);

        BerthException e = assertTimeoutPreemptively(BOUND,
                () -> assertThrows(BerthException.class, () -> slot.acquire(null, 150)));

        long waitedMillis = (System.nanoTime() - before) / 1_000_000;
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("no expand stage is active"), e.getMessage());
        assertTrue(waitedMillis >= 150, "gave up after " + waitedMillis + " ms, before the wait period ended");
        assertEquals(0, slot.underWay());
    }

    @Test
    void aZeroWaitPeriodFailsAtOnceEvenRightAfterARemoval() throws Exception {
        StageSlot.Impl<Svc> old = impl("old", 0, 1);
        StageSlot<Svc> slot = slot("expand", List.of(old));
        slot.remove(old.service(), 0);

        BerthException e = assertTimeoutPreemptively(BOUND,
                () -> assertThrows(BerthException.class, () -> slot.acquire(null, 0)));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
    }

    @Test
    void anInterruptedWaitFailsUnavailableAndKeepsTheInterrupt() throws Exception {
        StageSlot.Impl<Svc> old = impl("old", 0, 1);
        StageSlot<Svc> slot = slot("spec", List.of(old));
        slot.remove(old.service(), 0);
        CompletableFuture<Boolean> interruptedAfter = new CompletableFuture<>();

        CompletableFuture<ErrorKind> call = onAnotherThread("caller", () -> {
            try {
                slot.acquire(null, LONG_WAIT_MS).close();
                return null;
            } catch (BerthException e) {
                interruptedAfter.complete(Thread.currentThread().isInterrupted());
                return e.kind();
            }
        });
        Thread caller = lastThread();
        awaitWaiting(caller);
        caller.interrupt();

        assertEquals(ErrorKind.UNAVAILABLE, call.get(BOUND.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(interruptedAfter.get());
    }

    @Test
    void manyCallersWaitingForAReplacementAllGetIt() throws Exception {
        StageSlot.Impl<Svc> old = impl("old", "p", "p", 0, 1);
        StageSlot<Svc> slot = slot("spec", List.of(old));
        slot.remove(old.service(), 0);
        AtomicInteger inside = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<CompletableFuture<StageSlot.Impl<Svc>>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(onAnotherThread("caller-" + i, () -> {
                try (StageSlot<Svc>.Lease lease = slot.acquire(null, LONG_WAIT_MS)) {
                    inside.incrementAndGet();
                    release.await();
                    return lease.impl();
                }
            }));
        }
        for (Thread thread : threads) {
            awaitWaiting(thread);
        }

        StageSlot.Impl<Svc> replacement = impl("new", "p", "p", 0, 2);
        slot.add(replacement);
        await(() -> inside.get() == 8, "all eight callers hold a lease");
        assertEquals(8, slot.underWay());
        release.countDown();

        for (CompletableFuture<StageSlot.Impl<Svc>> call : calls) {
            assertSame(replacement, call.get(BOUND.toMillis(), TimeUnit.MILLISECONDS));
        }
        assertEquals(0, slot.underWay());
    }
}
