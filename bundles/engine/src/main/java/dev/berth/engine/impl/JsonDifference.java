package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;

/**
 * Where two JSON trees first differ, as a JSON pointer, for the replay check: objects compare by field
 * name whatever their order, arrays element by element. Stateless.
 */
final class JsonDifference {
    private JsonDifference() {
    }

    /** The pointer (under {@code path}) of the first difference, or null when the trees are equal. */
    static String first(JsonNode a, JsonNode b, String path) {
        if (a == null || b == null) {
            return a == b ? null : (path.isEmpty() ? "/" : path) + " (missing on one side)";
        }
        if (a.isObject() && b.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String found = first(a.get(name), b.get(name), path + "/" + name);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return path + " (" + a.size() + " entries against " + b.size() + ")";
            }
            for (int i = 0; i < a.size(); i++) {
                String found = first(a.get(i), b.get(i), path + "/" + i);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        return a.equals(b) ? null : (path.isEmpty() ? "/" : path) + " (" + a + " against " + b + ")";
    }
}
