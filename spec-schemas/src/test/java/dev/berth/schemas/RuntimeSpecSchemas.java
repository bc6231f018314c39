package dev.berth.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.AbsoluteIri;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.resource.InputStreamSource;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Test helper shared with other modules (test-jar): the OCI runtime-spec JSON Schemas
 * ({@code config-schema.json} and the files it {@code $ref}s: {@code defs.json}, {@code config-linux.json},
 * ...), read at test time from {@code shared/reference/runtime-spec} beside the repository, never copied
 * into it. Only files under that folder are ever loaded: a {@code $ref} to any other place (the network
 * above all) is refused, and {@link #loadedFiles()} tells which files the validator really read.
 * Thread-safe.
 */
public final class RuntimeSpecSchemas {
    private static final String SCHEMAS = "reference/runtime-spec/schema";
    /** The schema of an OCI bundle's {@code config.json}. */
    public static final String CONFIG = "config-schema.json";

    private final Path dir;
    private final JsonSchemaFactory factory;
    private final Set<String> loaded = new TreeSet<>();

    /** Finds the schemas from {@code -Dberth.shared}, or from the first {@code shared/} beside a parent folder. */
    public RuntimeSpecSchemas() {
        dir = locate().orElseThrow(() -> new IllegalStateException("no OCI runtime-spec schemas: set "
                + "-Dberth.shared or keep shared/ beside the repository (looked upward from "
                + Path.of("").toAbsolutePath() + ")"));
        factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4,
                builder -> builder.schemaLoaders(loaders -> loaders.add(this::load)));
    }

    private static Optional<Path> locate() {
        String configured = System.getProperty("berth.shared");
        if (configured != null && Files.isDirectory(Path.of(configured, SCHEMAS))) {
            return Optional.of(Path.of(configured, SCHEMAS).toAbsolutePath().normalize());
        }
        for (Path at = Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
            Path candidate = at.resolve("shared").resolve(SCHEMAS);
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate.normalize());
            }
        }
        return Optional.empty();
    }

    /**
     * Serves {@code file:} IRIs inside the schema folder; refuses every other IRI except the built-in
     * meta-schemas, which the validator resolves from its own classpath.
     */
    private InputStreamSource load(AbsoluteIri iri) {
        String text = iri.toString();
        if (text.startsWith("classpath:")) {
            return null;
        }
        if (!text.startsWith("file:")) {
            throw new IllegalStateException("runtime-spec schema refers to " + text
                    + ": only files under " + dir + " may be loaded");
        }
        Path file = Path.of(URI.create(text)).normalize();
        if (!file.startsWith(dir)) {
            throw new IllegalStateException("runtime-spec schema refers to " + file + ", outside " + dir);
        }
        synchronized (loaded) {
            loaded.add(file.getFileName().toString());
        }
        return () -> {
            try {
                return Files.newInputStream(file);
            } catch (NoSuchFileException e) {
                throw new UncheckedIOException("runtime-spec schema " + file + " is missing", e);
            }
        };
    }

    /** The folder the schemas are read from. */
    public Path directory() {
        return dir;
    }

    /** Names of the schema files loaded so far ("config-schema.json", "defs.json", ...), sorted. */
    public Set<String> loadedFiles() {
        synchronized (loaded) {
            return Set.copyOf(loaded);
        }
    }

    /** Problems of {@code document} against one schema file ({@link #CONFIG}, ...); empty when valid. */
    public List<String> validate(String schemaFile, JsonNode document) {
        JsonSchema schema = factory.getSchema(SchemaLocation.of(dir.resolve(schemaFile).toUri().toString()));
        return schema.validate(document).stream().map(m -> schemaFile + ": " + m.getMessage()).sorted().toList();
    }

    /** Problems of an OCI bundle's {@code config.json} document; empty when valid. */
    public List<String> validateConfig(JsonNode config) {
        return validate(CONFIG, config);
    }
}
