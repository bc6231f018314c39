package dev.berth.dockerapi.impl;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * Docker's event filters applied to translated messages, with Docker's rules: values of one filter are
 * alternatives, different filters must all hold; {@code type}, {@code event} (also the part of an action
 * before {@code :}), {@code scope} and {@code image} (the image id or name, with or without tag) match
 * exactly; {@code container} matches a prefix of the id or the name. Filters on object kinds Berth does not
 * have (networks, volumes, ...) match nothing. Immutable and thread-safe.
 */
final class EventMatcher {
    /** Every filter name Docker's {@code /events} accepts. */
    static final Set<String> KEYS = Set.of("config", "container", "daemon", "event", "image", "label", "network", "node",
            "plugin", "scope", "secret", "service", "type", "volume");
    private static final List<String> ABSENT_KINDS = List.of("config", "daemon", "network", "node", "plugin", "secret",
            "service", "volume");

    private final DockerFilters filters;

    /**
     * @throws DockerException 400 for an unknown filter, 501 for {@code label} (Berth's events carry no labels)
     */
    EventMatcher(DockerFilters filters) {
        filters.requireKeys(KEYS);
        if (filters.has("label")) {
            throw DockerException.notImplemented("Berth does not implement the events filter 'label'");
        }
        this.filters = filters;
    }

    boolean matches(JsonObject message) {
        for (String kind : ABSENT_KINDS) {
            if (filters.has(kind)) {
                return false;
            }
        }
        String type = message.getString("Type", "");
        String action = message.getString("Action", "");
        JsonObject actor = message.getJsonObject("Actor", new JsonObject());
        String id = actor.getString("ID", "");
        JsonObject attributes = actor.getJsonObject("Attributes", new JsonObject());
        int colon = action.indexOf(':');
        if (!filters.accepts("type", type) || !filters.accepts("scope", message.getString("scope"))
                || !filters.accepts("event", action, colon < 0 ? null : action.substring(0, colon))) {
            return false;
        }
        if (filters.has("container")) {
            if (!type.equals("container")) {
                return false;
            }
            String name = attributes.getString("name", "");
            boolean any = filters.get("container").stream().anyMatch(v -> !v.isEmpty()
                    && (id.startsWith(v) || name.equals(v) || name.startsWith(v)));
            if (!any) {
                return false;
            }
        }
        if (filters.has("image")) {
            String name = attributes.getString(type.equals("image") ? "name" : "image", "");
            return filters.accepts("image", id, name, stripTag(id), stripTag(name));
        }
        return true;
    }

    private static String stripTag(String name) {
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/') && !name.startsWith("sha256:")) {
            return name.substring(0, colon);
        }
        return name;
    }
}
