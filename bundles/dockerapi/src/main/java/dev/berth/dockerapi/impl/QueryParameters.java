package dev.berth.dockerapi.impl;

import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Locale;

/**
 * The query parameters of one Docker API request, read the way Docker's daemon reads them: booleans are
 * false for absent, empty, {@code 0}, {@code no}, {@code false} and {@code none} and true otherwise; numbers
 * are checked; {@code filters} is Docker's JSON filter map ({@link DockerFilters}). Not thread-safe.
 */
final class QueryParameters {
    private final MultiMap params;

    QueryParameters(MultiMap params) {
        this.params = params;
    }

    /** The first value of {@code name}, or null when absent. */
    String string(String name) {
        return params.get(name);
    }

    /** The first value of {@code name}, or {@code fallback} when absent or empty. */
    String string(String name, String fallback) {
        String value = params.get(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    /** Every value of {@code name} ({@code ?names=a&names=b}), in order. */
    List<String> all(String name) {
        return params.getAll(name);
    }

    boolean has(String name) {
        return params.contains(name);
    }

    /** Docker's boolean: absent, empty, 0, no, false and none are false; anything else is true. */
    boolean bool(String name) {
        String value = params.get(name);
        if (value == null) {
            return false;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        return !(v.isEmpty() || v.equals("0") || v.equals("no") || v.equals("false") || v.equals("none"));
    }

    /**
     * A whole number between {@code min} and {@code max}, or {@code fallback} when absent or empty.
     *
     * @throws DockerException 400 naming the parameter otherwise
     */
    long number(String name, long fallback, long min, long max) {
        String value = params.get(name);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw DockerException.invalid("invalid value for " + name + ": \"" + shorten(value) + "\" is not a number from "
                + min + " to " + max);
    }

    /**
     * The {@code filters} parameter, with only {@code allowed} keys.
     *
     * @throws DockerException 400 for malformed JSON, an oversized value or an unknown key
     */
    DockerFilters filters(java.util.Set<String> allowed) {
        DockerFilters filters = DockerFilters.parse(params.get("filters"));
        filters.requireKeys(allowed);
        return filters;
    }

    /**
     * The platform {@code name} names ({@code linux/amd64}), normalised, or null when absent or empty.
     *
     * @throws DockerException 400 for one that is not {@code os[/arch[/variant]]}
     */
    String platform(String name) {
        String value = string(name, null);
        if (value == null) {
            return null;
        }
        try {
            return dev.berth.api.image.Platform.parse(value).toString();
        } catch (IllegalArgumentException e) {
            throw DockerException.invalid(e.getMessage());
        }
    }

    static String shorten(String value) {
        String shown = value.length() > 64 ? value.substring(0, 64) + "..." : value;
        return ApiVersion.printable(shown);
    }
}
