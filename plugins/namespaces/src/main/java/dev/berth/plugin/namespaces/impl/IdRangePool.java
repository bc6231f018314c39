package dev.berth.plugin.namespaces.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The host id ranges {@code --userns auto} hands out: {@code slots} ranges of {@code size} ids each,
 * starting at host id {@code base}, each held by at most one live container. A container asking again
 * gets the range it already holds. Kept in memory only: after a restart the engine rebuilds it with
 * {@link #restore} from the facts in the log. Thread-safe (every method holds the pool's lock).
 */
final class IdRangePool {
    private final long base;
    private final long size;
    private final String[] owners;
    private final Map<String, Integer> byContainer = new HashMap<>();

    IdRangePool(long base, long size, int slots) {
        if (base < 1 || size < 1 || slots < 1) {
            throw new IllegalArgumentException("uid pool: base, size and slots must be 1 or more (base " + base
                    + ", size " + size + ", slots " + slots + ")");
        }
        if (base + size * slots - 1 > IdMapping.MAX_ID) {
            throw new IllegalArgumentException("uid pool: " + slots + " ranges of " + size + " ids from " + base
                    + " end beyond the largest id " + IdMapping.MAX_ID);
        }
        this.base = base;
        this.size = size;
        this.owners = new String[slots];
    }

    /** The first host id of the pool. */
    long base() {
        return base;
    }

    /** The last host id of the pool. */
    long end() {
        return base + size * owners.length - 1;
    }

    /** Ids per range. */
    long size() {
        return size;
    }

    /**
     * The range held by {@code containerId} (container ids 0 to size-1 at its host base), allocating the
     * lowest free one if it holds none. UNAVAILABLE when every range is held.
     */
    synchronized IdMapping allocate(String containerId) throws BerthException {
        Integer held = byContainer.get(containerId);
        if (held != null) {
            return mapping(held);
        }
        for (int slot = 0; slot < owners.length; slot++) {
            if (owners[slot] == null) {
                owners[slot] = containerId;
                byContainer.put(containerId, slot);
                return mapping(slot);
            }
        }
        throw new BerthException(ErrorKind.UNAVAILABLE, "--userns auto: all " + owners.length + " uid range"
                + (owners.length == 1 ? " " : "s ") + "of the pool (host ids " + base + "-" + end()
                + ") are held by existing containers; remove a container or raise the pool's usernsSlots");
    }

    /** The range {@code containerId} holds, if any. */
    synchronized Optional<IdMapping> held(String containerId) {
        Integer slot = byContainer.get(containerId);
        return slot == null ? Optional.empty() : Optional.of(mapping(slot));
    }

    /**
     * Marks the range starting at host id {@code hostId} as held by {@code containerId}. Returns false and
     * changes nothing when that is not a range of this pool (the pool was reconfigured) or another
     * container holds it.
     */
    synchronized boolean restore(String containerId, long hostId) {
        int slot = slotOf(hostId);
        if (slot < 0) {
            return false;
        }
        if (owners[slot] != null) {
            return owners[slot].equals(containerId);
        }
        Integer previous = byContainer.put(containerId, slot);
        if (previous != null) {
            owners[previous] = null;
        }
        owners[slot] = containerId;
        return true;
    }

    /** Frees whatever range {@code containerId} holds; nothing when it holds none. */
    synchronized void release(String containerId) {
        Integer slot = byContainer.remove(containerId);
        if (slot != null) {
            owners[slot] = null;
        }
    }

    /** How many ranges are held. */
    synchronized int inUse() {
        return byContainer.size();
    }

    private int slotOf(long hostId) {
        if (hostId < base || hostId > end() || (hostId - base) % size != 0) {
            return -1;
        }
        return (int) ((hostId - base) / size);
    }

    private IdMapping mapping(int slot) {
        return new IdMapping(0, base + slot * size, size);
    }
}
