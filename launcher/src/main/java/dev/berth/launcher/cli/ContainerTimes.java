package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * The CREATED and STATUS columns of {@code berth ps} in Docker's words: "2 minutes ago", "Up 3 seconds",
 * "Exited (3) 5 seconds ago", "Created". Durations are rounded the way Docker's CLI rounds them ("About a
 * minute", "About an hour", then hours, days, weeks, months, years). Stateless and thread-safe.
 */
final class ContainerTimes {
    private ContainerTimes() {
    }

    /** A duration for people, as Docker prints it. */
    static String human(Duration duration) {
        long seconds = duration.getSeconds();
        if (seconds < 1) {
            return "Less than a second";
        }
        if (seconds == 1) {
            return "1 second";
        }
        if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = seconds / 60;
        if (minutes == 1) {
            return "About a minute";
        }
        if (minutes < 60) {
            return minutes + " minutes";
        }
        long hours = Math.round(seconds / 3600.0);
        if (hours == 1) {
            return "About an hour";
        }
        if (hours < 48) {
            return hours + " hours";
        }
        if (hours < 24 * 7 * 2) {
            return hours / 24 + " days";
        }
        if (hours < 24 * 30 * 2) {
            return hours / 24 / 7 + " weeks";
        }
        if (hours < 24 * 365 * 2) {
            return hours / 24 / 30 + " months";
        }
        return seconds / 3600 / 24 / 365 + " years";
    }

    /** "2 minutes ago" for an RFC 3339 time; empty when missing or unreadable. */
    static String ago(JsonNode time, Instant now) {
        Instant instant = instant(time);
        return instant == null ? "" : human(Duration.between(instant, now)) + " ago";
    }

    /** The STATUS column for one container of {@code GET /v1/containers}. */
    static String status(JsonNode container, Instant now) {
        String status = container.path("status").asText("");
        switch (status) {
            case "running" -> {
                Instant started = instant(container.path("startedAt"));
                return started == null ? "Up" : "Up " + human(Duration.between(started, now));
            }
            case "exited", "stopped" -> {
                String code = container.path("exitCode").isIntegralNumber()
                        ? Integer.toString(container.path("exitCode").asInt()) : "?";
                String ago = ago(container.path("finishedAt"), now);
                return "Exited (" + code + ")" + (ago.isEmpty() ? "" : " " + ago);
            }
            case "created" -> {
                return "Created";
            }
            default -> {
                return status.isEmpty() ? "Unknown" : Character.toUpperCase(status.charAt(0)) + status.substring(1);
            }
        }
    }

    private static Instant instant(JsonNode time) {
        if (!time.isTextual() || time.asText().isEmpty() || time.asText().startsWith("0001-")) {
            return null;
        }
        try {
            return OffsetDateTime.parse(time.asText()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
