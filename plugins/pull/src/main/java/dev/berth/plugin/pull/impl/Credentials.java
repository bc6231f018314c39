package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Registry logins read from (and written to) a Docker-style {@code config.json}
 * ({@code {"auths":{"host:port":{"auth":"base64(user:pass)"}}}}). Immutable and thread-safe; no method,
 * message or {@code toString} ever shows a password.
 */
public final class Credentials {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A user name and password for one registry; {@code toString} hides the password. */
    public record Login(String username, String password) {
        /** The value of an HTTP {@code Authorization: Basic} header for this login. */
        public String basicHeader() {
            return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "Login[username=" + username + ", password=***]";
        }
    }

    private final Map<String, Login> logins;

    private Credentials(Map<String, Login> logins) {
        this.logins = Map.copyOf(logins);
    }

    /** Credentials holding one login, for checking it before it is stored. */
    public static Credentials of(String registry, Login login) {
        return new Credentials(Map.of(registry, login));
    }

    /** No logins: every registry is contacted anonymously. */
    public static Credentials none() {
        return new Credentials(Map.of());
    }

    /** The logins file of the state root {@code root}, shared by pull, push and {@code berth login}. */
    public static Path file(Path root) {
        return root.resolve("auth/config.json");
    }

    /**
     * Reads {@code configJson}; a missing file means no logins.
     *
     * @throws BerthException INVALID if the file is not valid JSON (the message never quotes its content)
     */
    public static Credentials load(Path configJson) throws BerthException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(configJson));
        } catch (NoSuchFileException e) {
            return none();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INVALID, "read credentials " + configJson + ": not a valid config.json");
        }
        Map<String, Login> logins = new TreeMap<>();
        JsonNode auths = root == null ? null : root.get("auths");
        if (auths != null && auths.isObject()) {
            var fields = auths.fields();
            while (fields.hasNext()) {
                var entry = fields.next();
                JsonNode auth = entry.getValue().get("auth");
                if (auth == null || !auth.isTextual()) {
                    continue;
                }
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(auth.asText().trim()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new BerthException(ErrorKind.INVALID, "read credentials " + configJson + ": the auth of "
                            + entry.getKey() + " is not base64");
                }
                int colon = decoded.indexOf(':');
                if (colon < 0) {
                    throw new BerthException(ErrorKind.INVALID, "read credentials " + configJson + ": the auth of "
                            + entry.getKey() + " is not user:password");
                }
                logins.put(normalise(entry.getKey()), new Login(decoded.substring(0, colon), decoded.substring(colon + 1)));
            }
        }
        return new Credentials(logins);
    }

    /**
     * Adds or replaces the login of {@code registry} in {@code configJson}, keeping its other content, and
     * leaves the file readable by its owner only (mode 0600).
     *
     * @throws BerthException UNAVAILABLE on I/O errors, INVALID if the existing file is not JSON
     */
    public static void store(Path configJson, String registry, String username, String password)
            throws BerthException {
        ObjectNode root;
        try {
            JsonNode existing = Files.exists(configJson) ? JSON.readTree(Files.readAllBytes(configJson)) : null;
            root = existing instanceof ObjectNode object ? object : JSON.createObjectNode();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INVALID, "store credentials in " + configJson + ": the file is not JSON");
        }
        JsonNode auths = root.get("auths");
        ObjectNode authsObject = auths instanceof ObjectNode object ? object : root.putObject("auths");
        authsObject.putObject(registry).put("auth", Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
        try {
            Path dir = configJson.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".config", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.write(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
                Files.move(temp, configJson, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
            Files.setPosixFilePermissions(configJson, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "store credentials in " + configJson + ": "
                    + e.getClass().getSimpleName());
        }
    }

    /** The login for {@code registry} ({@code host[:port]}), if any. */
    public Optional<Login> lookup(String registry) {
        String key = normalise(registry);
        Login login = logins.get(key);
        if (login == null && key.equals("docker.io")) {
            login = logins.get("index.docker.io");
        }
        return Optional.ofNullable(login);
    }

    /** Reduces {@code https://host:port/v1/} and the like to {@code host:port}. */
    private static String normalise(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT);
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        return k;
    }

    @Override
    public String toString() {
        return "Credentials[registries=" + logins.keySet() + "]";
    }
}
