package dev.berth.api.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The state root and the run folder from the framework properties, with their defaults. */
class PluginPropertiesTest {
    @ParameterizedTest(name = "root \"{0}\", run \"{1}\"")
    @CsvSource(nullValues = "null", value = {
        "/srv/berth, /tmp/berth-run, /srv/berth, /tmp/berth-run",
        "null, null, /var/lib/berth, /run/berth",
        "'  ', '', /var/lib/berth, /run/berth"})
    void aSetPropertyWinsAndAnUnsetOrBlankOneGivesTheDefault(String root, String run, String expectedRoot,
                                                            String expectedRun) {
        Map<String, String> properties = new java.util.HashMap<>();
        properties.put(PluginProperties.ROOT_PROPERTY, root);
        properties.put(PluginProperties.RUN_PROPERTY, run);
        assertEquals(Path.of(expectedRoot), PluginProperties.stateRoot(properties::get));
        assertEquals(Path.of(expectedRun), PluginProperties.runFolder(properties::get));
    }
}
