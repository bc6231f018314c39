package dev.berth.dockerapi.impl;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The time parameters of Docker's API ({@code since}, {@code until}): Unix seconds with an optional fraction
 * of up to nine digits, as the docker client sends them ({@code 1764400000.000000000}), or RFC 3339.
 * Stateless and thread-safe.
 */
final class DockerTime {
    private static final Pattern UNIX = Pattern.compile("(\\d{1,12})(?:\\.(\\d{1,9}))?");

    private DockerTime() {
    }

    /**
     * The instant {@code value} names, or null when it is null or empty.
     *
     * @throws DockerException 400 naming the parameter when it is neither form
     */
    static Instant parse(String parameter, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        Matcher m = UNIX.matcher(value);
        if (m.matches()) {
            long nanos = m.group(2) == null ? 0 : Long.parseLong((m.group(2) + "000000000").substring(0, 9));
            return Instant.ofEpochSecond(Long.parseLong(m.group(1)), nanos);
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw DockerException.invalid("invalid value for " + parameter + ": \"" + QueryParameters.shorten(value)
                    + "\" is not Unix seconds (1764400000.5) or an RFC 3339 time");
        }
    }

    /** Nanoseconds since the epoch, as the log stores times. */
    static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }
}
