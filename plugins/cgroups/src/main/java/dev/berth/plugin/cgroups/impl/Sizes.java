package dev.berth.plugin.cgroups.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses memory sizes the way Docker reads {@code --memory}: a number (a fraction allowed, as in
 * {@code 1.5g}) with an optional unit {@code b}, {@code k}, {@code m}, {@code g} or {@code t} in powers of
 * 1024, any case, optionally followed by {@code b} or {@code ib} ({@code 64mb}, {@code 64MiB}); a number
 * without a unit is bytes. Also writes sizes back for people ({@code 64 MiB}). Stateless.
 */
final class Sizes {
    /** Docker's smallest memory limit and reservation: 6 MiB. */
    static final long MINIMUM_MEMORY = 6L * 1024 * 1024;

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)(?:([kmgt])(?:i?b)?|b)?");
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Sizes() {
    }

    /** The size in bytes {@code value} names; refused as INVALID naming {@code --option value}. */
    static long parse(String option, String value) throws BerthException {
        String text = value.strip().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new BerthException(ErrorKind.INVALID, "--" + option + " " + value
                    + ": not a size; give a number with an optional unit b, k, m or g (for example 64m or 1.5g)");
        }
        int shift = m.group(2) == null ? 0 : switch (m.group(2).charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 40;
        };
        BigInteger bytes = new BigDecimal(m.group(1))
                .multiply(new BigDecimal(BigInteger.ONE.shiftLeft(shift))).toBigInteger();
        if (bytes.bitLength() > 62) {
            throw new BerthException(ErrorKind.INVALID, "--" + option + " " + value + ": too large");
        }
        return bytes.longValueExact();
    }

    /** {@code bytes} for people: {@code 64 MiB}, {@code 1.5 GiB}, {@code 100 B}. */
    static String human(long bytes) {
        int unit = 0;
        double size = bytes;
        while (size >= 1024 && unit < UNITS.length - 1) {
            size /= 1024;
            unit++;
        }
        if (size == Math.rint(size)) {
            return (long) size + " " + UNITS[unit];
        }
        return String.format(Locale.ROOT, "%.1f %s", size, UNITS[unit]);
    }
}
