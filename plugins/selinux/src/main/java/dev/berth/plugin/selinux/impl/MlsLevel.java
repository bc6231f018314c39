package dev.berth.plugin.selinux.impl;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks an SELinux MLS/MCS level or range as users give it in {@code label=level:L}: a sensitivity
 * {@code s0}..{@code s15}, optionally {@code :} and a category set of {@code cN} and {@code cN.cM} items
 * (N < M, each within c0..c1023, in ascending order without overlap), optionally a {@code -} and a second
 * such level whose sensitivity is not lower ({@code s0-s0:c0.c1023}). Stateless.
 */
final class MlsLevel {
    private static final int MAX_SENSITIVITY = 15;
    private static final Pattern LEVEL = Pattern.compile("s(\\d{1,2})(?::(.+))?");
    private static final Pattern ITEM = Pattern.compile("c(\\d{1,4})(?:\\.c(\\d{1,4}))?");

    private MlsLevel() {
    }

    /** Returns {@code text} when it is a well-formed level or range; otherwise says what is wrong. */
    static String check(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("the level is empty; give s0 or s0:cX,cY");
        }
        int dash = text.indexOf('-');
        if (dash < 0) {
            sensitivity(text);
            return text;
        }
        int low = sensitivity(text.substring(0, dash));
        int high = sensitivity(text.substring(dash + 1));
        if (high < low) {
            throw new IllegalArgumentException("the range's high level s" + high + " is below its low level s" + low);
        }
        return text;
    }

    /** The sensitivity of one level, after checking its category set. */
    private static int sensitivity(String level) {
        Matcher m = LEVEL.matcher(level);
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + level + "\" is not a level like s0 or s0:c1,c2");
        }
        int sensitivity = Integer.parseInt(m.group(1));
        if (sensitivity > MAX_SENSITIVITY || (m.group(1).length() > 1 && m.group(1).startsWith("0"))) {
            throw new IllegalArgumentException("sensitivity s" + m.group(1) + " is not one of s0..s" + MAX_SENSITIVITY);
        }
        if (m.group(2) != null) {
            categories(m.group(2));
        }
        return sensitivity;
    }

    private static void categories(String set) {
        int previous = -1;
        for (String item : set.split(",", -1)) {
            Matcher m = ITEM.matcher(item);
            if (!m.matches()) {
                throw new IllegalArgumentException("category \"" + item + "\" is not cN or cN.cM");
            }
            int first = category(m.group(1));
            int last = m.group(2) == null ? first : category(m.group(2));
            if (last <= first && m.group(2) != null) {
                throw new IllegalArgumentException("category range " + item + " does not ascend");
            }
            if (first <= previous) {
                throw new IllegalArgumentException("categories must ascend without repeats; " + item
                        + " comes after c" + previous);
            }
            previous = last;
        }
    }

    private static int category(String digits) {
        int n = Integer.parseInt(digits);
        if (n > McsPair.MAX_CATEGORY || (digits.length() > 1 && digits.startsWith("0"))) {
            throw new IllegalArgumentException("category c" + digits + " is not one of c0..c" + McsPair.MAX_CATEGORY);
        }
        return n;
    }
}
