package dev.berth.api.event;

import java.util.HexFormat;
import java.util.Objects;

/**
 * The SHA-256 of one log record's body, which includes the hash of the record before it: the links of
 * the hash chain. Immutable.
 *
 * @param hex 64 lowercase hexadecimal characters
 */
public record ChainHash(String hex) {
    /** The hash the first record of a log points back to: 32 zero bytes. */
    public static final ChainHash GENESIS = new ChainHash("0".repeat(64));

    public ChainHash {
        Objects.requireNonNull(hex, "hex");
        if (!isLowerHex64(hex)) {
            throw new IllegalArgumentException("chain hash must be 64 lowercase hex characters, got \"" + hex + "\"");
        }
    }

    // A plain loop: replay builds one ChainHash per record, and a stream here cost a third of replay time.
    private static boolean isLowerHex64(String hex) {
        if (hex.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = hex.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** Wraps 32 raw bytes. */
    public static ChainHash of(byte[] sha256) {
        if (sha256.length != 32) {
            throw new IllegalArgumentException("chain hash must be 32 bytes, got " + sha256.length);
        }
        return new ChainHash(HexFormat.of().formatHex(sha256));
    }

    /** The 32 raw bytes, as a fresh copy. */
    public byte[] bytes() {
        return HexFormat.of().parseHex(hex);
    }

    @Override
    public String toString() {
        return hex;
    }
}
