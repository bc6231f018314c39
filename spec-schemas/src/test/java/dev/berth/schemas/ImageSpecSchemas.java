package dev.berth.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Test helper shared with other modules (test-jar): the OCI image-spec JSON Schemas, read at test time
 * from {@code shared/reference/image-spec} beside the repository (never copied into it), with their
 * opencontainers.org ids mapped to those files. Thread-safe.
 */
public final class ImageSpecSchemas {
    private static final String SCHEMAS = "reference/image-spec/schema";

    private final Path dir;
    private final JsonSchemaFactory factory;

    /** Finds the schemas from {@code -Dberth.shared}, or from the first {@code shared/} beside a parent folder. */
    public ImageSpecSchemas() {
        dir = locate().orElseThrow(() -> new IllegalStateException("no OCI image-spec schemas: set -Dberth.shared "
                + "or keep shared/ beside the repository (looked upward from " + Path.of("").toAbsolutePath() + ")"));
        String files = dir.toUri().toString();
        factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4, builder -> builder
                .schemaMappers(mappers -> mappers
                        .mapPrefix("https://opencontainers.org/schema/image/", files)
                        .mapPrefix("https://opencontainers.org/schema/", files)));
    }

    private static java.util.Optional<Path> locate() {
        String configured = System.getProperty("berth.shared");
        if (configured != null && Files.isDirectory(Path.of(configured, SCHEMAS))) {
            return java.util.Optional.of(Path.of(configured, SCHEMAS).toAbsolutePath().normalize());
        }
        for (Path at = Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
            Path candidate = at.resolve("shared").resolve(SCHEMAS);
            if (Files.isDirectory(candidate)) {
                return java.util.Optional.of(candidate.normalize());
            }
        }
        return java.util.Optional.empty();
    }

    /** Problems of {@code document} against one schema file ("image-manifest-schema.json", ...). */
    public List<String> validate(String schemaFile, JsonNode document) {
        JsonSchema schema = factory.getSchema(SchemaLocation.of(dir.resolve(schemaFile).toUri().toString()));
        return schema.validate(document).stream().map(m -> schemaFile + ": " + m.getMessage()).toList();
    }
}
