package dev.berth.dockerapi.impl;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * The front door of the Docker API: checks the path (no control characters, no {@code .} or {@code ..}
 * segments), strips and checks the version prefix ({@code /v1.50/info}: between {@link ApiVersion#MINIMUM}
 * and {@link ApiVersion#MAXIMUM}; a path without one is served as the newest version, as Docker does),
 * stamps the headers every Docker answer carries, then offers the request to each {@link DockerRoutes}
 * group in order. A request no group takes is answered 501 naming it; an object that does not exist is a
 * group's 404. Thread-safe: holds only an immutable list.
 */
final class DockerRouter {
    private final List<DockerRoutes> groups;
    private final String server;

    /**
     * @param groups the route groups, asked in this order
     * @param berthVersion Berth's version, for the {@code Server} header
     */
    DockerRouter(List<DockerRoutes> groups, String berthVersion) {
        this.groups = List.copyOf(groups);
        this.server = "Berth/" + berthVersion + " (linux)";
    }

    void handle(HttpServerRequest http) {
        HttpServerResponse response = http.response();
        response.putHeader("Api-Version", ApiVersion.MAXIMUM.toString())
                .putHeader("Docker-Experimental", "false")
                .putHeader("Ostype", "linux")
                .putHeader("Server", server);
        DockerRequest request;
        try {
            request = parse(http);
        } catch (DockerException e) {
            DockerReply.error(response, e.status(), e.getMessage());
            return;
        }
        try {
            for (DockerRoutes group : groups) {
                if (group.handle(request)) {
                    return;
                }
            }
            DockerReply.notImplemented(request);
        } catch (DockerException e) {
            DockerReply.error(response, e.status(), e.getMessage());
        } catch (IllegalArgumentException e) {
            DockerReply.error(response, 400, e.getMessage());
        } catch (RuntimeException e) {
            DockerReply.error(response, 500, request.describe() + ": " + e);
        }
    }

    /**
     * The request with its path checked and its version prefix taken off.
     *
     * @throws DockerException 400 for a bad path or version
     */
    static DockerRequest parse(HttpServerRequest http) {
        Route route = route(http.path());
        return new DockerRequest(http, route.path(), route.version());
    }

    /** A path split into its version (the newest when none is given) and the rest. */
    record Route(ApiVersion version, String path) {
    }

    /**
     * Splits {@code rawPath} ({@code /v1.50/images/json}) into version and path, checking both.
     *
     * @throws DockerException 400 for control characters, dot segments, a malformed version, or one outside
     *         the supported range
     */
    static Route route(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            throw DockerException.invalid("invalid path: it must start with /");
        }
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw DockerException.invalid("invalid path: it contains control characters");
            }
        }
        for (String segment : rawPath.split("/", -1)) {
            String decoded = DockerRequest.decode(segment);
            if (decoded.equals(".") || decoded.equals("..") || decoded.indexOf('\0') >= 0) {
                throw DockerException.invalid("invalid path \"" + QueryParameters.shorten(rawPath)
                        + "\": it contains a . or .. segment, or a NUL");
            }
        }
        if (rawPath.length() > 2 && rawPath.startsWith("/v") && Character.isDigit(rawPath.charAt(2))) {
            int slash = rawPath.indexOf('/', 2);
            String version = slash < 0 ? rawPath.substring(2) : rawPath.substring(2, slash);
            String rest = slash < 0 ? "/" : rawPath.substring(slash);
            return new Route(ApiVersion.parse(version).requireSupported(), rest);
        }
        return new Route(ApiVersion.MAXIMUM, rawPath);
    }
}
