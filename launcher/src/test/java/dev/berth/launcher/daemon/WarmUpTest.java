package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
        }, WarmUp.COMMANDS);
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
        }, List.of(List.of("a"), List.of("b"), List.of("c")));
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
        }, List.of(List.of("a"), List.of("b")));
        assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
        warmUp.close();
        release.countDown();
        assertTrue(warmUp.awaitEnd(10_000), "the warm-up did not end");
        assertEquals(List.of("a"), seen);
    }
}
