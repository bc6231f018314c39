package dev.berth.dockerapi.impl;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Docker API request as the route groups see it: the HTTP request, its path without the
 * {@code /vX.Y} prefix, the API version the client asked for (the newest one when it gave none), and its
 * query parameters. Not thread-safe: use it on the request's event loop.
 */
final class DockerRequest {
    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-zA-Z]+)(\\*?)}");

    private final HttpServerRequest http;
    private final String path;
    private final ApiVersion version;
    private final QueryParameters query;

    DockerRequest(HttpServerRequest http, String path, ApiVersion version) {
        this.http = http;
        this.path = path;
        this.version = version;
        this.query = new QueryParameters(http.params());
    }

    /** The underlying Vert.x request (for bodies, headers and hijacked streams). */
    HttpServerRequest http() {
        return http;
    }

    HttpServerResponse response() {
        return http.response();
    }

    HttpMethod method() {
        return http.method();
    }

    /** The raw path without the version prefix: {@code /images/busybox/json}. */
    String path() {
        return path;
    }

    /** The API version of the request path, or {@link ApiVersion#MAXIMUM} for an unversioned path. */
    ApiVersion version() {
        return version;
    }

    QueryParameters query() {
        return query;
    }

    /** {@code METHOD /path} as the messages name a call. */
    String describe() {
        return method().name() + " " + ApiVersion.printable(path);
    }

    /**
     * Matches this request against {@code method} and {@code pattern}, a path whose {@code {name}} parts
     * match one segment and whose {@code {name*}} part matches one or more (image names hold slashes):
     * {@code /images/{name*}/json}. Returns the captured parts, percent-decoded, in order, or null when the
     * method or the path differs.
     *
     * @throws DockerException 400 when a captured part is not valid percent-encoded UTF-8
     */
    List<String> match(HttpMethod method, String pattern) {
        if (!method.equals(http.method()) && !(method.equals(HttpMethod.GET) && http.method().equals(HttpMethod.HEAD)
                && pattern.equals("/_ping"))) {
            return null;
        }
        return matchPath(path, pattern);
    }

    /** The captured parts of {@code path} for {@code pattern}, or null when it does not match. */
    static List<String> matchPath(String path, String pattern) {
        Matcher m = PATTERNS.computeIfAbsent(pattern, DockerRequest::compile).matcher(path);
        if (!m.matches()) {
            return null;
        }
        String[] parts = new String[m.groupCount()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = decode(m.group(i + 1));
        }
        return List.of(parts);
    }

    private static Pattern compile(String pattern) {
        StringBuilder regex = new StringBuilder();
        Matcher m = PLACEHOLDER.matcher(pattern);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(pattern.substring(last, m.start())));
            regex.append(m.group(2).isEmpty() ? "([^/]+)" : "(.+?)");
            last = m.end();
        }
        regex.append(Pattern.quote(pattern.substring(last)));
        return Pattern.compile(regex.toString());
    }

    /**
     * Decodes {@code %XX} escapes as UTF-8; a {@code +} stays a plus (this is a path, not a form).
     *
     * @throws DockerException 400 for a broken escape or bytes that are not UTF-8
     */
    static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0
                        || Character.digit(raw.charAt(i + 2), 16) < 0) {
                    throw DockerException.invalid("invalid escape in path \"" + ApiVersion.printable(raw) + "\"");
                }
                bytes.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
                i += 2;
            } else {
                int next = raw.indexOf('%', i);
                int end = next < 0 ? raw.length() : next;
                byte[] encoded = raw.substring(i, end).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
                i = end - 1;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw DockerException.invalid("path \"" + ApiVersion.printable(raw) + "\" is not UTF-8");
        }
    }
}
