package dev.berth.plugin.namespaces.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Allocation of --userns auto ranges: uniqueness under concurrency, release and restore. */
class IdRangePoolTest {
    @Test
    void concurrentAllocationsNeverShareARange() throws Exception {
        IdRangePool pool = new IdRangePool(1_000_000L, 65_536L, 200);
        ExecutorService threads = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<IdMapping>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String id = "c" + i;
                Callable<IdMapping> task = () -> {
                    start.await();
                    return pool.allocate(id);
                };
                futures.add(threads.submit(task));
            }
            start.countDown();
            Set<Long> bases = new HashSet<>();
            for (Future<IdMapping> f : futures) {
                IdMapping m = f.get(30, TimeUnit.SECONDS);
                assertEquals(0, m.containerId());
                assertEquals(65_536L, m.size());
                assertTrue(bases.add(m.hostId()), "range " + m + " handed out twice");
            }
            assertEquals(200, bases.size());
            BerthException e = assertThrows(BerthException.class, () -> pool.allocate("one-more"));
            assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void concurrentAllocateAndReleaseKeepOwnersApart() throws Exception {
        IdRangePool pool = new IdRangePool(1_000_000L, 10L, 4);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                String id = "t" + t;
                futures.add(threads.submit(() -> {
                    for (int round = 0; round < 500; round++) {
                        try {
                            IdMapping m = pool.allocate(id);
                            assertEquals(m, pool.held(id).orElseThrow());
                        } catch (BerthException full) {
                            assertFalse(pool.held(id).isPresent());
                        }
                        pool.release(id);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertEquals(0, pool.inUse());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void theSameContainerGetsItsRangeBack() throws Exception {
        IdRangePool pool = new IdRangePool(1_000_000L, 65_536L, 2);
        assertEquals(pool.allocate("a"), pool.allocate("a"));
        assertEquals(1, pool.inUse());
    }

    @Test
    void releaseFreesAndIsIdempotent() throws Exception {
        IdRangePool pool = new IdRangePool(1_000_000L, 65_536L, 1);
        IdMapping first = pool.allocate("a");
        pool.release("a");
        pool.release("a");
        pool.release("never-seen");
        assertEquals(first, pool.allocate("b"));
    }

    @Test
    void restoreMarksRangesTakenAndRefusesStrangers() throws Exception {
        IdRangePool pool = new IdRangePool(1_000_000L, 65_536L, 3);
        assertTrue(pool.restore("a", 1_065_536L));
        assertTrue(pool.restore("a", 1_065_536L), "idempotent");
        assertFalse(pool.restore("b", 1_065_536L), "held by a");
        assertFalse(pool.restore("c", 1_000_001L), "not the start of a range");
        assertFalse(pool.restore("c", 900_000L), "below the pool");
        assertFalse(pool.restore("c", 1_196_608L), "beyond the pool");
        assertEquals(1_000_000L, pool.allocate("x").hostId());
        assertEquals(1_131_072L, pool.allocate("y").hostId());
        assertThrows(BerthException.class, () -> pool.allocate("z"));
    }

    @Test
    void aPoolBeyondTheIdSpaceIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new IdRangePool(4_294_000_000L, 65_536L, 100));
        assertThrows(IllegalArgumentException.class, () -> new IdRangePool(1_000_000L, 65_536L, 0));
    }
}
