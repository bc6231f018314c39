package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The authentication half of a registry conversation: remembers each registry's {@code WWW-Authenticate}
 * challenge and answers it with Basic credentials or a Bearer token fetched from the challenge's realm
 * for the {@link Scope} a request needs, caching tokens per registry and scope until they expire.
 * Thread-safe; credentials and tokens never appear in messages or {@code toString}.
 */
final class RegistryAuth {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A parsed {@code WWW-Authenticate} header: the lowercase scheme and its parameters. */
    record Challenge(String scheme, Map<String, String> params) {
    }

    private record Token(String value, Instant expires) {
        @Override
        public String toString() {
            return "Token[***, expires=" + expires + "]";
        }
    }

    private final RegistryTransport transport;
    private final Credentials credentials;
    private final Map<String, Challenge> challenges = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    RegistryAuth(RegistryTransport transport, Credentials credentials) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
    }

    /** Whether there is a login for {@code registry}. */
    boolean hasLogin(String registry) {
        return credentials.lookup(registry).isPresent();
    }

    /**
     * Records the challenge {@code header} of {@code registry} and fetches a fresh token for {@code scope}
     * when the challenge asks for one.
     */
    void challenged(String registry, Scope scope, String header)
            throws IOException, InterruptedException, BerthException {
        challenges.put(registry, parseChallenge(header));
        tokens.remove(tokenKey(registry, scope));
        authorization(registry, scope, true);
    }

    /** The Authorization header for a request needing {@code scope}, or null while the registry asked for none. */
    String authorization(String registry, Scope scope, boolean fresh)
            throws IOException, InterruptedException, BerthException {
        Challenge challenge = challenges.get(registry);
        if (challenge == null) {
            return null;
        }
        if (challenge.scheme().equals("basic")) {
            return credentials.lookup(registry).map(Credentials.Login::basicHeader).orElseThrow(() ->
                    new BerthException(ErrorKind.INVALID, "registry " + registry
                            + " asks for a login and there is none for it (berth login " + registry + ")"));
        }
        if (!challenge.scheme().equals("bearer")) {
            throw new BerthException(ErrorKind.INVALID, "registry " + registry + " asks for unsupported authentication \""
                    + RegistryTransport.abbreviate(challenge.scheme()) + "\"");
        }
        String key = tokenKey(registry, scope);
        Token token = tokens.get(key);
        if (fresh || token == null || !Instant.now().isBefore(token.expires())) {
            token = fetchToken(registry, scope, challenge);
            tokens.put(key, token);
        }
        return "Bearer " + token.value();
    }

    private Token fetchToken(String registry, Scope scope, Challenge challenge)
            throws IOException, InterruptedException, BerthException {
        String realm = challenge.params().get("realm");
        URI realmUri;
        try {
            realmUri = realm == null ? null : URI.create(realm);
        } catch (IllegalArgumentException e) {
            realmUri = null;
        }
        if (realmUri == null || realmUri.getHost() == null
                || !("https".equals(realmUri.getScheme()) || "http".equals(realmUri.getScheme()))) {
            throw new BerthException(ErrorKind.INVALID, "registry " + registry + ": Bearer challenge without a usable realm");
        }
        if ("http".equals(realmUri.getScheme()) && !transport.isInsecure(registry)) {
            throw new BerthException(ErrorKind.INVALID, "registry " + registry
                    + ": token realm is plain http and the registry is not marked insecure");
        }
        StringBuilder query = new StringBuilder();
        String service = challenge.params().get("service");
        if (service != null) {
            query.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8));
        }
        // No scope: a login check, which asks for a token without one, as docker login does.
        for (String entry : scope.entries()) {
            query.append(query.length() > 0 ? "&" : "").append("scope=")
                    .append(URLEncoder.encode(entry, StandardCharsets.UTF_8));
        }
        URI tokenUri = URI.create(realmUri + (realmUri.getRawQuery() == null ? "?" : "&") + query);
        HttpRequest.Builder builder = HttpRequest.newBuilder(tokenUri).timeout(transport.options().readTimeout()).GET();
        credentials.lookup(registry).ifPresent(login -> builder.header("Authorization", login.basicHeader()));
        RegistryTransport.Reply response = transport.send(builder.build());
        byte[] bytes;
        try (TimedBody body = response.body()) {
            int status = response.statusCode();
            if (status >= 500 || status == 429) {
                throw new RegistryTransport.RetryableStatus("token endpoint " + realmUri.getHost() + ": HTTP " + status,
                        RegistryTransport.retryAfter(response));
            }
            if (status != 200) {
                throw new BerthException(ErrorKind.INVALID, "registry " + registry + ": token endpoint refused access (HTTP "
                        + status + ")");
            }
            bytes = ContentStore.readCapped(body, 1 << 20, "token response");
        }
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (IOException e) {
            json = null;
        }
        JsonNode value = json == null ? null : json.get("token");
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            value = json == null ? null : json.get("access_token");
        }
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, "registry " + registry + ": token response has no token");
        }
        long expiresIn = json.path("expires_in").asLong(60);
        if (expiresIn <= 0) {
            expiresIn = 60;
        }
        return new Token(value.asText(), Instant.now().plusSeconds(expiresIn));
    }

    private static String tokenKey(String registry, Scope scope) {
        return registry + "|" + scope.key();
    }

    /** Parses {@code Scheme key="value", key2=value2}. */
    static Challenge parseChallenge(String header) {
        String text = header.trim();
        int space = text.indexOf(' ');
        String scheme = (space < 0 ? text : text.substring(0, space)).toLowerCase(Locale.ROOT);
        Map<String, String> params = new LinkedHashMap<>();
        int i = space < 0 ? text.length() : space + 1;
        while (i < text.length()) {
            while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == ',')) {
                i++;
            }
            int eq = text.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = text.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < text.length() && text.charAt(i) == '"') {
                i++;
                while (i < text.length() && text.charAt(i) != '"') {
                    if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                        i++;
                    }
                    value.append(text.charAt(i++));
                }
                i++;
            } else {
                while (i < text.length() && text.charAt(i) != ',') {
                    value.append(text.charAt(i++));
                }
            }
            params.put(key, value.toString().trim());
        }
        return new Challenge(scheme, params);
    }

    @Override
    public String toString() {
        return "RegistryAuth[" + credentials + "]";
    }
}
