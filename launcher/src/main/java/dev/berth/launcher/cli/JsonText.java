package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** Renders JSON fields as text for tables and sections. Stateless and thread-safe. */
final class JsonText {
    private JsonText() {
    }

    /** The field's value as text; {@code unknown} when missing or null, compact JSON for objects and arrays. */
    static String of(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return "unknown";
        }
        return value.isValueNode() ? value.asText() : Json.text(value);
    }
}
