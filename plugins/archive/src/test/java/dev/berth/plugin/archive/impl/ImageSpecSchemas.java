package dev.berth.plugin.archive.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Validates documents against the OCI image-spec JSON Schemas, read at test time from the shared
 * reference directory (never copied into the repository), with their opencontainers.org ids mapped to those
 * files. Adapted from the itests' class of the same name. Thread-safe.
 */
final class ImageSpecSchemas {
    static final Path DIR = Path.of(System.getProperty("berth.shared", "../../../shared"),
            "reference/image-spec/schema").toAbsolutePath().normalize();

    private final JsonSchemaFactory factory;

    ImageSpecSchemas() {
        if (!Files.isDirectory(DIR)) {
            throw new IllegalStateException("no OCI image-spec schemas at " + DIR);
        }
        String files = DIR.toUri().toString();
        factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4, builder -> builder
                .schemaMappers(mappers -> mappers
                        .mapPrefix("https://opencontainers.org/schema/image/", files)
                        .mapPrefix("https://opencontainers.org/schema/", files)));
    }

    /** Problems of {@code document} against one schema file ("image-manifest-schema.json", ...). */
    List<String> validate(String schemaFile, JsonNode document) {
        JsonSchema schema = factory.getSchema(SchemaLocation.of(DIR.resolve(schemaFile).toUri().toString()));
        return schema.validate(document).stream().map(m -> schemaFile + ": " + m.getMessage()).toList();
    }
}
