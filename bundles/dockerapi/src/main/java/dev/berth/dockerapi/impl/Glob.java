package dev.berth.dockerapi.impl;

/**
 * Shell-style matching as Docker's {@code reference} filter uses it: {@code *} matches any run of characters
 * except {@code /}, {@code ?} one such character; everything else matches itself. Iterative, so a hostile
 * pattern costs at most pattern length times text length. Stateless and thread-safe.
 */
final class Glob {
    private Glob() {
    }

    static boolean matches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int starP = -1;
        int starT = -1;
        while (t < text.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                starP = p++;
                starT = t;
            } else if (p < pattern.length() && (pattern.charAt(p) == text.charAt(t)
                    || (pattern.charAt(p) == '?' && text.charAt(t) != '/'))) {
                p++;
                t++;
            } else if (starP >= 0 && text.charAt(starT) != '/') {
                p = starP + 1;
                t = ++starT;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
