package dev.berth.plugin.selinux.impl;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One MCS category pair {@code cLOW,cHIGH} with {@code LOW < HIGH}, both within the kernel's c0..c1023,
 * which makes a container's level {@code s0:cLOW,cHIGH}. Immutable.
 */
record McsPair(int low, int high) {
    /** The highest category number the MCS policy knows. */
    static final int MAX_CATEGORY = 1023;
    private static final Pattern LEVEL = Pattern.compile("s0:c(\\d{1,4}),c(\\d{1,4})");

    McsPair {
        if (low < 0 || high <= low || high > MAX_CATEGORY) {
            throw new IllegalArgumentException("MCS pair c" + low + ",c" + high
                    + " is not two categories X < Y within c0..c" + MAX_CATEGORY);
        }
    }

    /** The pair in {@code level} when it is exactly {@code s0:cX,cY} with X < Y; empty for any other level. */
    static Optional<McsPair> ofLevel(String level) {
        if (level == null) {
            return Optional.empty();
        }
        Matcher m = LEVEL.matcher(level);
        if (!m.matches()) {
            return Optional.empty();
        }
        int low = Integer.parseInt(m.group(1));
        int high = Integer.parseInt(m.group(2));
        return low < high && high <= MAX_CATEGORY ? Optional.of(new McsPair(low, high)) : Optional.empty();
    }

    /** The level this pair makes: {@code s0:cLOW,cHIGH}. */
    String level() {
        return "s0:c" + low + ",c" + high;
    }
}
