package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Generated container names: unique under concurrency when the test reserves, numbered when names run out. */
class NamesTest {

    @Test
    void concurrentCallersThatReserveAsTheyTestNeverShareAName() throws Exception {
        Set<String> reserved = ConcurrentHashMap.newKeySet();
        int threads = 8;
        int each = 60; // 480 names from 400 plain adjective_noun pairs: collisions are certain, sharing must not be
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<String>>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(t); // separate generators, as the engine's threads share one Random
            results.add(pool.submit(() -> {
                go.await();
                List<String> names = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    names.add(Names.generate(random, reserved::add));
                }
                return names;
            }));
        }
        go.countDown();
        List<String> all = new ArrayList<>();
        for (Future<List<String>> result : results) {
            all.addAll(result.get());
        }
        pool.shutdown();
        assertEquals(threads * each, all.size());
        assertEquals(all.size(), Set.copyOf(all).size(), "a name handed out twice");
        assertEquals(reserved, Set.copyOf(all), "every name handed out is the one that was reserved");
    }

    @Test
    void namesGetANumberWhenThePlainOnesAreTakenAndAHexNameAtTheEnd() {
        List<String> offered = new ArrayList<>();
        String last = Names.generate(new Random(1), n -> {
            offered.add(n);
            return false;
        });
        assertEquals(50, offered.size());
        assertTrue(offered.get(0).matches("[a-z]+_[a-z]+"), offered.get(0));
        assertTrue(offered.get(20).matches("[a-z]+_[a-z]+_[0-9]+"), offered.get(20));
        assertTrue(last.matches("berth_[0-9a-f]+"), last);
    }
}
