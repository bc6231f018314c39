package dev.berth.plugin.spec.impl;

import static dev.berth.plugin.spec.impl.Bundle.SCHEMAS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.container.RunOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proves the schema oracle works: a generated config validates, and the same config broken in ways only
 * the {@code $ref}'d files (defs.json, config-linux.json, defs-linux.json) can see is rejected.
 */
class SchemaOracleTest {
    @TempDir
    Path dir;
    JsonNode valid;

    @BeforeEach
    void setUp() throws Exception {
        Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
        Rootfs.standard(rootfs);
        Bundle.generate(Bundle.request(rootfs, dir.resolve("bundle"), Bundle.image("{\"Cmd\":[\"sh\"]}"),
                RunOptions.defaults()));
        valid = Bundle.read(dir.resolve("bundle/config.json"));
    }

    static Stream<Arguments> breakages() {
        return Stream.<Arguments>of(
                Arguments.of("ArgsNotAnArray (defs.json ArrayOfStrings)",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.get("process")).put("args", "sh")),
                Arguments.of("UidNegative (defs.json uint32)",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.get("process").get("user")).put("uid", -1)),
                Arguments.of("MountWithoutDestination (defs.json Mount)",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.get("mounts").get(0)).remove("destination")),
                Arguments.of("UnknownNamespace (defs-linux.json NamespaceType)",
                        (Consumer<ObjectNode>) c -> ((com.fasterxml.jackson.databind.node.ArrayNode) c.get("linux")
                                .get("namespaces")).addObject().put("type", "galaxy")),
                Arguments.of("MaskedPathsNotAnArray (config-linux.json)",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.get("linux")).put("maskedPaths", 7)),
                Arguments.of("NoOciVersion (config-schema.json)",
                        (Consumer<ObjectNode>) c -> c.remove("ociVersion")),
                Arguments.of("RlimitTypeLowerCase (config-schema.json)",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.get("process").get("rlimits").get(0))
                                .put("type", "nofile")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breakages")
    void brokenConfigIsRejected(String name, Consumer<ObjectNode> breakage) {
        ObjectNode broken = valid.deepCopy();
        breakage.accept(broken);
        List<String> problems = SCHEMAS.validateConfig(broken);
        assertFalse(problems.isEmpty(), name + " must fail validation");
    }

    @Test
    void validConfigPassesAndTheReferencedFilesWereLoadedLocally() {
        assertEquals(List.of(), SCHEMAS.validateConfig(valid));
        assertTrue(SCHEMAS.loadedFiles().containsAll(List.of("config-schema.json", "defs.json",
                "config-linux.json", "defs-linux.json")), SCHEMAS.loadedFiles().toString());
    }
}
