package dev.berth.launcher.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Request targets of the container endpoints, with ids encoded, and the one encoder of query values every
 * command uses. Stateless and thread-safe.
 */
final class ContainerPaths {
    private ContainerPaths() {
    }

    /** {@code /v1/containers/ID} or {@code /v1/containers/ID/ACTION}. */
    static String of(String id, String action) {
        String base = "/v1/containers/" + encode(id);
        return action.isEmpty() ? base : base + "/" + action;
    }

    /** One query value, encoded for a request target ({@code %20} for spaces). */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
