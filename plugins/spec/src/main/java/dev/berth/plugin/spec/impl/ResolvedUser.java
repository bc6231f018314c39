package dev.berth.plugin.spec.impl;

import java.util.List;

/**
 * The numeric identity a container's process runs as: {@code uid}, primary {@code gid}, the supplementary
 * groups (sorted, no duplicates) and the passwd name when one matched (else null). Immutable.
 */
record ResolvedUser(int uid, int gid, List<Integer> additionalGids, String name) {
    ResolvedUser {
        additionalGids = additionalGids.stream().distinct().sorted().toList();
    }
}
