package dev.berth.plugin.selinux.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class McsAllocatorTest {
    /**
     * 200 containers from 16 threads released at once get 200 distinct pairs with X < Y, both with the full
     * 1024 categories and with 21 (210 pairs), where the pool nearly runs dry and the free-pair enumeration
     * takes over from random draws.
     */
    @ParameterizedTest
    @ValueSource(ints = {1024, 21})
    void concurrentAllocationsAreDistinct(int categories) throws Exception {
        McsAllocator allocator = new McsAllocator(categories, new SplittableRandom(7));
        ConcurrentLinkedQueue<McsPair> pairs = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String id = "c" + i;
                futures.add(pool.submit(() -> {
                    start.await();
                    pairs.add(allocator.allocate(id));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(200, pairs.size());
        assertEquals(200, new HashSet<>(pairs).size(), "a pair was handed out twice: " + pairs);
        for (McsPair pair : pairs) {
            assertTrue(pair.low() < pair.high() && pair.high() < categories, pair.toString());
            assertTrue(pair.level().matches("s0:c\\d+,c\\d+"), pair.level());
        }
    }

    @Test
    void exhaustionFailsClearlyOnTheSeventhOfSixPairs() throws BerthException {
        McsAllocator allocator = new McsAllocator(4, new SplittableRandom(1));
        assertEquals(6, allocator.pairs());
        Set<McsPair> taken = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            taken.add(allocator.allocate("c" + i));
        }
        assertEquals(6, taken.size());
        BerthException e = assertThrows(BerthException.class, () -> allocator.allocate("seventh"));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertEquals("allocate an SELinux MCS pair for container seventh: all 6 pairs of categories c0..c3 are in use;"
                + " remove containers to free some", e.getMessage());
    }

    @Test
    void releaseMakesAPairReusable() throws BerthException {
        McsAllocator allocator = new McsAllocator(4, new SplittableRandom(2));
        List<McsPair> pairs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pairs.add(allocator.allocate("c" + i));
        }
        allocator.release("c3", pairs.get(3));
        allocator.release("c3", pairs.get(3)); // idempotent
        assertFalse(allocator.held(pairs.get(3)));
        assertEquals(pairs.get(3), allocator.allocate("new"));
        assertThrows(BerthException.class, () -> allocator.allocate("one-too-many"));
    }

    @Test
    void releaseWithoutKnowingThePairFreesWhatTheContainerHolds() throws BerthException {
        McsAllocator allocator = new McsAllocator(4, new SplittableRandom(5));
        McsPair lost = allocator.allocate("failed-create");
        McsPair kept = allocator.allocate("other");
        allocator.releaseAll("failed-create");
        assertFalse(allocator.held(lost), "a creation that failed before its facts were logged gives its pair back");
        assertTrue(allocator.held(kept));
        allocator.releaseAll("failed-create"); // idempotent
    }

    @Test
    void releaseByAnotherContainerFreesNothing() throws BerthException {
        McsAllocator allocator = new McsAllocator(4, new SplittableRandom(3));
        McsPair pair = allocator.allocate("owner");
        allocator.release("stranger", pair);
        assertTrue(allocator.held(pair));
    }

    @Test
    void aSharedLevelStaysHeldUntilItsLastHolderGoes() {
        McsAllocator allocator = new McsAllocator(1024, new SplittableRandom(4));
        McsPair pair = new McsPair(5, 6);
        allocator.hold("a", pair);
        allocator.hold("b", pair);
        allocator.hold("b", pair);
        allocator.release("a", pair);
        assertTrue(allocator.held(pair));
        allocator.release("b", pair);
        assertFalse(allocator.held(pair));
    }

    @Test
    void heldPairsAreNeverAllocated() throws BerthException {
        McsAllocator allocator = new McsAllocator(3, new SplittableRandom(5));
        allocator.hold("restored", new McsPair(0, 1));
        allocator.hold("restored2", new McsPair(1, 2));
        assertEquals(new McsPair(0, 2), allocator.allocate("fresh"));
        assertThrows(BerthException.class, () -> allocator.allocate("none-left"));
    }

    @Test
    void pairsOutsideTheConfiguredCategoriesDoNotCountAsUsed() throws BerthException {
        McsAllocator allocator = new McsAllocator(3, new SplittableRandom(6));
        allocator.hold("from-a-bigger-pool", new McsPair(100, 900));
        for (int i = 0; i < 3; i++) {
            allocator.allocate("c" + i);
        }
        assertThrows(BerthException.class, () -> allocator.allocate("c3"));
    }

    @Test
    void choiceIsRandomNotSequential() throws BerthException {
        McsAllocator one = new McsAllocator(1024, new SplittableRandom(10));
        McsAllocator two = new McsAllocator(1024, new SplittableRandom(11));
        List<McsPair> first = new ArrayList<>();
        List<McsPair> second = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            first.add(one.allocate("c" + i));
            second.add(two.allocate("c" + i));
        }
        assertNotEquals(first, second);
        assertTrue(first.stream().anyMatch(p -> p.low() > 0), "every pair starts at c0: sequential? " + first);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 1025, -4})
    void refusesImpossibleCategoryCounts(int categories) {
        assertThrows(IllegalArgumentException.class, () -> new McsAllocator(categories, new SplittableRandom()));
    }

    @Test
    void pairsAreOrderedAndBounded() {
        assertThrows(IllegalArgumentException.class, () -> new McsPair(3, 3));
        assertThrows(IllegalArgumentException.class, () -> new McsPair(4, 3));
        assertThrows(IllegalArgumentException.class, () -> new McsPair(0, 1024));
        assertEquals("s0:c0,c1023", new McsPair(0, 1023).level());
        assertEquals(new McsPair(7, 9), McsPair.ofLevel("s0:c7,c9").orElseThrow());
        assertTrue(McsPair.ofLevel("s0:c9,c7").isEmpty());
        assertTrue(McsPair.ofLevel("s0:c1.c3").isEmpty());
        assertTrue(McsPair.ofLevel("s0").isEmpty());
        assertTrue(McsPair.ofLevel(null).isEmpty());
    }
}
