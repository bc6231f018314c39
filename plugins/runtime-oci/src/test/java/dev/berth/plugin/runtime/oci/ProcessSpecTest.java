package dev.berth.plugin.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.api.container.ExecRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ProcessSpec}: an exec inherits the container's user, env, cwd and privileges unless told otherwise. */
class ProcessSpecTest {
    private final JsonObject config = TestBundle.config("x", List.of("sleep", "1"), false);

    @Test
    void defaultsComeFromTheContainer() {
        JsonObject p = ProcessSpec.build(new ExecRequest("x", "e", List.of("ls"), null, null, null, false, false,
                "/s", false), config);
        assertEquals(new JsonArray(List.of("ls")), p.getJsonArray("args"));
        assertEquals(config.getJsonObject("process").getJsonArray("env"), p.getJsonArray("env"));
        assertEquals("/", p.getString("cwd"));
        assertEquals(config.getJsonObject("process").getJsonObject("user"), p.getJsonObject("user"));
        assertEquals(config.getJsonObject("process").getJsonObject("capabilities"), p.getJsonObject("capabilities"));
        assertEquals(Boolean.TRUE, p.getBoolean("noNewPrivileges"));
        assertEquals(Boolean.FALSE, p.getBoolean("terminal"));
    }

    @Test
    void requestOverrides() {
        JsonObject p = ProcessSpec.build(new ExecRequest("x", "e", List.of("id"), List.of("A=1"), "/tmp", "7:8", true,
                true, "/s", true), config);
        assertEquals(new JsonObject().put("uid", 7L).put("gid", 8L), p.getJsonObject("user"));
        assertEquals(new JsonArray(List.of("A=1")), p.getJsonArray("env"));
        assertEquals("/tmp", p.getString("cwd"));
        assertEquals(Boolean.TRUE, p.getBoolean("terminal"));
        assertEquals(0L, ProcessSpec.user("5", new JsonObject()).getLong("gid"));
    }

    @Test
    void nonNumericUserIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.user("root", new JsonObject()));
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.user("1:-1", new JsonObject()));
    }
}
