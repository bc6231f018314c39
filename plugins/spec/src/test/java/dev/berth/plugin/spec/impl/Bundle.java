package dev.berth.plugin.spec.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.container.GeneratedSpec;
import dev.berth.api.container.RunOptions;
import dev.berth.api.container.SpecRequest;
import dev.berth.api.container.VolumeMount;
import dev.berth.schemas.RuntimeSpecSchemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Test fixture: generates a bundle from a rootfs and options and checks every config.json it writes
 * against the OCI runtime-spec schema.
 */
final class Bundle {
    static final RuntimeSpecSchemas SCHEMAS = new RuntimeSpecSchemas();
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String ID = "0123456789abcdef0123456789abcdef";
    static final HostFacts HOST = new HostFacts(Path.of("/etc/resolv.conf"), "nameserver 10.0.0.1\n", false, false,
            OptionalLong.of(20_000));

    private Bundle() {
    }

    /** An OCI image config document whose {@code config} object is {@code config} (JSON text or "null"). */
    static String image(String config) {
        return "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":" + config
                + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    }

    /** Run options: command only. */
    static RunOptions command(String... args) {
        return options(List.of(args), null, List.of(), null, null, false, List.of(), false);
    }

    static RunOptions options(List<String> command, List<String> entrypoint, List<String> env, String workingDir,
            String user, boolean readOnly, List<VolumeMount> volumes, boolean tty) {
        return new RunOptions(command, entrypoint, env, workingDir, user, null, readOnly, volumes, tty, false, null);
    }

    static SpecRequest request(Path rootfs, Path bundleDir, String imageConfig, RunOptions options) {
        return new SpecRequest(ID, "test", rootfs.toString(), bundleDir.toString(), imageConfig, options);
    }

    /** Generates with {@code host} and returns the spec; the written config.json must be schema-valid. */
    static GeneratedSpec generate(HostFacts host, SpecRequest request) throws BerthException {
        GeneratedSpec spec = new SpecGenerator(host, SpecGenerator.DEFAULT_NOFILE).generate(request);
        assertEquals(List.of(), SCHEMAS.validateConfig(read(Path.of(spec.path()))), "config.json is schema-valid");
        return spec;
    }

    static GeneratedSpec generate(SpecRequest request) throws BerthException {
        return generate(HOST, request);
    }

    static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every name in {@code dir}, sorted; empty when it does not exist. */
    static List<String> listing(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text values of a JSON array. */
    static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.asText()));
        return values;
    }

    /** The text of field {@code name} of every object in a JSON array. */
    static List<String> field(JsonNode array, String name) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.path(name).asText()));
        return values;
    }
}
