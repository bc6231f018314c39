package dev.berth.plugin.selinux.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Hands out MCS category pairs so that no pair is ever held by two live containers through allocation.
 * Like Podman, the choice is random among the free pairs (uniformly: rejection sampling while the pool is
 * mostly free, then a draw from the enumerated free pairs), so labels do not reveal creation order and a
 * pair just released is not the next one handed out. A pair may also be marked held without being
 * allocated ({@link #hold}): a pair restored from the log, or one a user asked for with
 * {@code label=level:s0:cX,cY}, which several containers may share on purpose; allocation avoids every
 * held pair. Thread-safe: every method is synchronized (an allocation is microseconds; contention is
 * not a concern at container-creation rates).
 */
final class McsAllocator {
    /** Random draws before falling back to enumerating the free pairs. */
    private static final int DRAWS = 32;

    private final int categories;
    private final RandomGenerator random;
    /** Holders (container ids) of each pair that at least one container holds. */
    private final Map<McsPair, Set<String>> holders = new HashMap<>();

    /**
     * An allocator over categories {@code c0..c(categories-1)} (1024 in production, fewer in tests), drawing
     * with {@code random}.
     */
    McsAllocator(int categories, RandomGenerator random) {
        if (categories < 2 || categories > McsPair.MAX_CATEGORY + 1) {
            throw new IllegalArgumentException("categories " + categories + ": must be 2 to "
                    + (McsPair.MAX_CATEGORY + 1) + " (c0..c" + McsPair.MAX_CATEGORY + ")");
        }
        this.categories = categories;
        this.random = random;
    }

    /** How many pairs there are: categories * (categories - 1) / 2. */
    long pairs() {
        return (long) categories * (categories - 1) / 2;
    }

    /** A free pair, now held by {@code containerId}; UNAVAILABLE when every pair is held. */
    synchronized McsPair allocate(String containerId) throws BerthException {
        long usable = holders.keySet().stream().filter(p -> p.high() < categories).count();
        if (usable >= pairs()) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "allocate an SELinux MCS pair for container "
                    + containerId + ": all " + pairs() + " pairs of categories c0..c" + (categories - 1)
                    + " are in use; remove containers to free some");
        }
        McsPair pair = null;
        for (int i = 0; i < DRAWS && pair == null; i++) {
            int a = random.nextInt(categories);
            int b = random.nextInt(categories);
            if (a != b) {
                McsPair candidate = new McsPair(Math.min(a, b), Math.max(a, b));
                if (!holders.containsKey(candidate)) {
                    pair = candidate;
                }
            }
        }
        if (pair == null) {
            List<McsPair> free = new ArrayList<>();
            for (int low = 0; low < categories; low++) {
                for (int high = low + 1; high < categories; high++) {
                    McsPair candidate = new McsPair(low, high);
                    if (!holders.containsKey(candidate)) {
                        free.add(candidate);
                    }
                }
            }
            pair = free.get(random.nextInt(free.size()));
        }
        holders.computeIfAbsent(pair, p -> new HashSet<>()).add(containerId);
        return pair;
    }

    /** Marks {@code pair} held by {@code containerId} (idempotent), whoever else holds it. */
    synchronized void hold(String containerId, McsPair pair) {
        holders.computeIfAbsent(pair, p -> new HashSet<>()).add(containerId);
    }

    /** Drops {@code containerId}'s hold on {@code pair} (idempotent); the pair is free once nobody holds it. */
    synchronized void release(String containerId, McsPair pair) {
        Set<String> set = holders.get(pair);
        if (set != null && set.remove(containerId) && set.isEmpty()) {
            holders.remove(pair);
        }
    }

    /** Drops every hold of {@code containerId}, whichever pairs they are. */
    synchronized void releaseAll(String containerId) {
        holders.values().removeIf(set -> set.remove(containerId) && set.isEmpty());
    }

    /** Whether any container holds {@code pair}. */
    synchronized boolean held(McsPair pair) {
        return holders.containsKey(pair);
    }
}
