package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WarmUpTest {
    @Test
    void runsEveryCommandInOrderOnAThreadOfItsOwn() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        WarmUp warmUp = WarmUp.start(args -> {
            seen.add(String.join(" ", args));
            threads.add(Thread.currentThread());
            return 0;
        }, WarmUp.COMMANDS, List::of);
        assertTrue(warmUp.awaitEnd(10_000), "the warm-up did not end");
        assertEquals(List.of("version", "ps -a", "images"), seen);
        assertNotEquals(Thread.currentThread(), threads.get(0));
        assertEquals(Thread.MIN_PRIORITY, threads.get(0).getPriority());
        assertTrue(threads.get(0).isDaemon(), "a warm-up thread must not keep the JVM alive");
    }

    @Test
    void aFailingCommandDoesNotStopTheOthers() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        WarmUp warmUp = WarmUp.start(args -> {
            seen.add(args.get(0));
            if (args.get(0).equals("a")) {
                throw new IllegalStateException("the API is not there");
            }
            if (args.get(0).equals("b")) {
                throw new NoClassDefFoundError("a bundle went away");
            }
            return 1;
        }, List.of(List.of("a"), List.of("b"), List.of("c")), List::of);
        assertTrue(warmUp.awaitEnd(10_000), "the warm-up did not end");
        assertEquals(List.of("a", "b", "c"), seen);
    }

    @Test
    void closeRunsNoFurtherCommand() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        WarmUp warmUp = WarmUp.start(args -> {
            seen.add(args.get(0));
            firstRunning.countDown();
            release.await(10, TimeUnit.SECONDS);
            return 0;
        }, List.of(List.of("a"), List.of("b")), () -> List.of(() -> seen.add("bundle warm-up")));
        assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
        warmUp.close();
        release.countDown();
        assertTrue(warmUp.awaitEnd(10_000), "the warm-up did not end");
        assertEquals(List.of("a"), seen);
    }

    @Test
    void theBundlesWarmUpsRunAfterTheCommandsInTurnAndOneFailingStopsNone() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        List<String> asked = Collections.synchronizedList(new ArrayList<>());
        WarmUp warmUp = WarmUp.start(args -> {
            seen.add(args.get(0));
            return 0;
        }, List.of(List.of("a")), () -> {
            asked.add(String.join(",", seen)); // listed only once the commands are done
            return List.of(() -> seen.add("pull"), () -> {
                throw new IllegalStateException("a warm-up that fails");
            }, () -> {
                throw new NoClassDefFoundError("a bundle went away");
            }, () -> seen.add("expand"));
        });
        assertTrue(warmUp.awaitEnd(10_000), "the warm-up did not end");
        assertEquals(List.of("a", "pull", "expand"), seen);
        assertEquals(List.of("a"), asked);
    }

    @Test
    void aFrameworkThatCannotListTheWarmUpsEndsTheWarmUpQuietly() throws Exception {
        WarmUp warmUp = WarmUp.start(args -> 0, List.of(List.of("a")), () -> {
            throw new IllegalStateException("BundleContext is no longer valid");
        });
        assertTrue(warmUp.awaitEnd(10_000), "the warm-up did not end");
    }

    @Test
    void aWarmUpThatRanEverythingReportsItsEndOnceAsComplete() throws Exception {
        List<String> ends = new CopyOnWriteArrayList<>();
        WarmUp warmUp = WarmUp.start(args -> {
            Thread.sleep(20);
            return 0;
        }, List.of(List.of("a")), () -> List.of(() -> { }), (complete, millis) -> ends.add(complete + " " + millis));
        assertTrue(warmUp.awaitEnd(10_000), "the warm-up did not end");
        assertEquals(1, ends.size(), ends.toString());
        String[] end = ends.get(0).split(" ");
        assertEquals("true", end[0]);
        assertTrue(Long.parseLong(end[1]) >= 20, "it took at least the command's 20 ms: " + ends);
        assertTrue(Daemon.warmUpLine(true, 1234).startsWith(Daemon.WARMED_UP), Daemon.warmUpLine(true, 1234));
        assertTrue(Daemon.warmUpLine(true, 1234).endsWith("1234 ms"), Daemon.warmUpLine(true, 1234));
    }

    @Test
    void aWarmUpCutShortReportsItsEndAsIncomplete() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Boolean> ends = new CopyOnWriteArrayList<>();
        WarmUp warmUp = WarmUp.start(args -> {
            firstRunning.countDown();
            release.await(10, TimeUnit.SECONDS);
            return 0;
        }, List.of(List.of("a"), List.of("b")), List::of, (complete, millis) -> ends.add(complete));
        assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
        warmUp.close();
        release.countDown();
        assertTrue(warmUp.awaitEnd(10_000), "the warm-up did not end");
        assertEquals(List.of(false), ends);
        assertFalse(Daemon.warmUpLine(false, 5).startsWith(Daemon.WARMED_UP), Daemon.warmUpLine(false, 5));
    }

    @Test
    void aFrameworkThatCannotListTheWarmUpsReportsAnIncompleteWarmUp() throws Exception {
        List<Boolean> ends = new CopyOnWriteArrayList<>();
        WarmUp warmUp = WarmUp.start(args -> 0, List.of(List.of("a")), () -> {
            throw new IllegalStateException("BundleContext is no longer valid");
        }, (complete, millis) -> ends.add(complete));
        assertTrue(warmUp.awaitEnd(10_000), "the warm-up did not end");
        assertEquals(List.of(false), ends);
    }
}
