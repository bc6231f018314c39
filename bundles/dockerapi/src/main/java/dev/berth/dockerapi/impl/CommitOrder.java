package dev.berth.dockerapi.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code POST /commit} as the engine's {@code {"op":"commit"}} order: the container, the new image's name
 * ({@link DockerNames#repoTag} of {@code repo} and {@code tag}; null for none), the comment and author, whether
 * to pause a running container meanwhile (Docker's default: yes), and the Dockerfile change lines, those of
 * the request body's config first and then the {@code changes} parameters, so the parameters win. Immutable.
 */
record CommitOrder(String container, String reference, String comment, String author, boolean pause,
        List<String> changes) {
    CommitOrder {
        changes = List.copyOf(changes);
    }

    /**
     * The order Docker's query asks for: {@code container}, {@code repo}, {@code tag}, {@code comment},
     * {@code author}, {@code pause} (absent or empty: true) and {@code changes}.
     *
     * @throws DockerException 400 for a missing container or a malformed name
     */
    static CommitOrder fromQuery(QueryParameters query) {
        String container = query.string("container", "");
        if (container.isEmpty()) {
            throw DockerException.invalid("commit: name the container to commit (container=)");
        }
        boolean pause = query.string("pause", "").isEmpty() || query.bool("pause");
        return new CommitOrder(container, DockerNames.repoTag(query.string("repo"), query.string("tag")),
                query.string("comment", ""), query.string("author", ""), pause,
                DockerfileChanges.lines(query.all("changes")));
    }

    /**
     * This order with the settings of a request body's container config put before its changes.
     *
     * @throws DockerException 400 for a setting Berth cannot apply ({@link DockerfileChanges#fromConfig})
     */
    CommitOrder withConfig(JsonObject config) {
        List<String> all = new ArrayList<>(DockerfileChanges.fromConfig(config));
        all.addAll(changes);
        return new CommitOrder(container, reference, comment, author, pause, all);
    }

    /** The engine's order. */
    JsonObject toJson() {
        return ContainerApi.order("commit", container).put("reference", reference).put("comment", comment)
                .put("author", author).put("pause", pause).put("changes", new JsonArray(new ArrayList<>(changes)));
    }
}
