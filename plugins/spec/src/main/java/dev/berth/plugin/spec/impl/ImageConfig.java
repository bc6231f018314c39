package dev.berth.plugin.spec.impl;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an OCI image config's {@code config} object that shape a container's process:
 * {@code Entrypoint} and {@code Cmd} (null when absent), {@code Env} (empty when absent), and
 * {@code WorkingDir} and {@code User} (null when absent or empty). Immutable.
 */
record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    ImageConfig {
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        cmd = cmd == null ? null : List.copyOf(cmd);
        env = env == null ? List.of() : List.copyOf(env);
    }

    /** Reads an OCI image config document; anything but the expected types is an INVALID error. */
    static ImageConfig parse(String json) throws BerthException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new BerthException(ErrorKind.INVALID, "read image config: not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BerthException(ErrorKind.INVALID, "read image config: not a JSON object");
        }
        JsonNode config = root.path("config");
        if (config.isMissingNode() || config.isNull()) {
            return new ImageConfig(null, null, List.of(), null, null);
        }
        if (!config.isObject()) {
            throw new BerthException(ErrorKind.INVALID, "read image config: \"config\" is not an object");
        }
        return new ImageConfig(strings(config, "Entrypoint"), strings(config, "Cmd"),
                strings(config, "Env"), text(config, "WorkingDir"), text(config, "User"));
    }

    private static List<String> strings(JsonNode config, String field) throws BerthException {
        JsonNode node = config.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw new BerthException(ErrorKind.INVALID, "read image config: config." + field
                    + " is not an array of strings");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new BerthException(ErrorKind.INVALID, "read image config: config." + field
                        + " holds " + item + ", not a string");
            }
            values.add(item.textValue());
        }
        return values;
    }

    private static String text(JsonNode config, String field) throws BerthException {
        JsonNode node = config.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new BerthException(ErrorKind.INVALID, "read image config: config." + field + " is not a string");
        }
        return node.textValue().isEmpty() ? null : node.textValue();
    }
}
