package dev.berth.dockerapi.impl;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Docker's {@code filters} query parameter: a JSON object mapping a filter name to its values, either as a
 * list ({@code {"type":["container"]}}) or, as the docker client sends it, as a set
 * ({@code {"type":{"container":true}}}). Values of one name are alternatives; different names must all
 * match. Bounded: at most {@link #MAX_TEXT} characters, {@link #MAX_VALUES} values. Immutable.
 */
final class DockerFilters {
    /** The longest filters text accepted. */
    static final int MAX_TEXT = 16 * 1024;
    /** The most values accepted over all names. */
    static final int MAX_VALUES = 256;
    static final DockerFilters NONE = new DockerFilters(Map.of());

    private final Map<String, List<String>> values;

    private DockerFilters(Map<String, List<String>> values) {
        this.values = values;
    }

    /**
     * Parses the parameter's text; null or empty is no filter.
     *
     * @throws DockerException 400 for anything else that is not one of the two shapes
     */
    static DockerFilters parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        if (text.length() > MAX_TEXT) {
            throw DockerException.invalid("invalid filters: longer than " + MAX_TEXT + " characters");
        }
        JsonObject json;
        try {
            json = new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            throw DockerException.invalid("invalid filters: not a JSON object: " + QueryParameters.shorten(text));
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        int count = 0;
        for (String name : json.fieldNames()) {
            Object entry = json.getValue(name);
            List<String> list = new ArrayList<>();
            if (entry instanceof JsonArray array) {
                for (Object value : array) {
                    if (!(value instanceof String s)) {
                        throw DockerException.invalid("invalid filters: the values of \"" + QueryParameters.shorten(name)
                                + "\" must be strings");
                    }
                    list.add(s);
                }
            } else if (entry instanceof JsonObject set) {
                for (String value : set.fieldNames()) {
                    if (!Boolean.TRUE.equals(set.getValue(value))) {
                        continue;
                    }
                    list.add(value);
                }
            } else {
                throw DockerException.invalid("invalid filters: \"" + QueryParameters.shorten(name)
                        + "\" must map to a list of strings or an object of true values");
            }
            count += list.size();
            if (count > MAX_VALUES) {
                throw DockerException.invalid("invalid filters: more than " + MAX_VALUES + " values");
            }
            values.put(name, List.copyOf(list));
        }
        return new DockerFilters(Map.copyOf(values));
    }

    /**
     * @throws DockerException 400 {@code invalid filter 'NAME'} for a name outside {@code allowed}, as
     *         Docker answers
     */
    void requireKeys(Set<String> allowed) {
        for (String name : new TreeSet<>(values.keySet())) {
            if (!allowed.contains(name)) {
                throw DockerException.invalid("invalid filter '" + QueryParameters.shorten(name) + "'");
            }
        }
    }

    /** The values given for {@code name}; empty when it was not given. */
    List<String> get(String name) {
        return values.getOrDefault(name, List.of());
    }

    boolean has(String name) {
        return values.containsKey(name) && !values.get(name).isEmpty();
    }

    /** True when {@code name} was not given, or one of its values equals one of {@code candidates}. */
    boolean accepts(String name, String... candidates) {
        if (!has(name)) {
            return true;
        }
        for (String wanted : values.get(name)) {
            for (String candidate : candidates) {
                if (candidate != null && candidate.equals(wanted)) {
                    return true;
                }
            }
        }
        return false;
    }

    boolean isEmpty() {
        return values.values().stream().allMatch(List::isEmpty);
    }
}
