package dev.berth.api.image;

import java.util.Objects;

/**
 * A content digest {@code algorithm:hex}, as OCI uses to name blobs. Immutable; validated on construction:
 * sha256 with 64 and sha512 with 128 lowercase hex characters.
 */
public record Digest(String algorithm, String hex) {

    public Digest {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(hex, "hex");
        int expected = switch (algorithm) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> throw new IllegalArgumentException("digest algorithm \"" + abbreviate(algorithm)
                    + "\" is not supported (sha256, sha512)");
        };
        if (hex.length() != expected || !isLowerHex(hex)) {
            throw new IllegalArgumentException("digest " + algorithm + ":" + abbreviate(hex) + " must have "
                    + expected + " lowercase hex characters");
        }
    }

    /** Parses {@code sha256:<64 hex>}. */
    public static Digest parse(String text) {
        Objects.requireNonNull(text, "digest");
        int colon = text.indexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("digest \"" + abbreviate(text) + "\" is not algorithm:hex");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** A sha256 digest of raw bytes given as hex. */
    public static Digest sha256(String hex) {
        return new Digest("sha256", hex);
    }

    /** The first 12 hex characters, as {@code docker images} shows ids. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    private static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
