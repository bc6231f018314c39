package dev.berth.apiserver.impl;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the time arguments of {@code --since}/{@code --until}: RFC 3339 ({@code 2026-11-29T10:00:00Z}),
 * a duration before now ({@code 10m}, {@code 2h30m}, {@code 1.5h}, {@code 500ms}), or Unix seconds with an
 * optional fraction, as Docker accepts them. Stateless and thread-safe.
 */
public final class TimeArgument {
    private static final Pattern DURATION = Pattern.compile("((\\d+(\\.\\d+)?)(ns|us|ms|s|m|h|d))+");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h|d)");
    private static final Pattern UNIX = Pattern.compile("\\d{1,12}(\\.\\d{1,9})?");

    private TimeArgument() {
    }

    /**
     * The instant {@code value} names, relative values counting back from {@code now}.
     *
     * @throws IllegalArgumentException naming the parameter and value when it is none of the accepted forms
     */
    public static Instant parse(String parameter, String value, Instant now) {
        String v = value.trim();
        if (DURATION.matcher(v).matches()) {
            return now.minus(duration(v));
        }
        if (UNIX.matcher(v).matches()) {
            String[] parts = v.split("\\.");
            long nanos = parts.length == 2 ? Long.parseLong((parts[1] + "000000000").substring(0, 9)) : 0;
            return Instant.ofEpochSecond(Long.parseLong(parts[0]), nanos);
        }
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(parameter + ": \"" + value
                    + "\" is not a time: use RFC 3339 (2026-11-29T10:00:00Z), a duration ago (10m, 2h) or Unix seconds");
        }
    }

    private static Duration duration(String value) {
        Duration total = Duration.ZERO;
        Matcher part = PART.matcher(value);
        while (part.find()) {
            double amount = Double.parseDouble(part.group(1));
            long unitNanos = switch (part.group(2)) {
                case "ns" -> 1L;
                case "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            total = total.plusNanos(Math.round(amount * unitNanos));
        }
        return total;
    }
}
