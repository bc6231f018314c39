package dev.berth.plugin.runtime.oci;

import dev.berth.api.container.ExecRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Builds the OCI {@code process} object of an exec from the request and the container's own
 * {@code config.json} process: user ({@code uid[:gid]}, else the container's), environment (the request's,
 * else the container's), working directory, terminal, and the container's capabilities,
 * noNewPrivileges, rlimits and AppArmor profile, so an exec never gets more privilege than the
 * container. Stateless.
 */
final class ProcessSpec {
    private ProcessSpec() {
    }

    static JsonObject build(ExecRequest request, JsonObject containerConfig) {
        JsonObject base = containerConfig.getJsonObject("process", new JsonObject());
        JsonObject process = new JsonObject().put("terminal", request.tty());
        process.put("user", user(request.user(), base.getJsonObject("user", new JsonObject())));
        process.put("args", new JsonArray(request.args()));
        process.put("env", request.env().isEmpty() ? base.getJsonArray("env", new JsonArray())
                : new JsonArray(request.env()));
        process.put("cwd", request.workingDir() != null ? request.workingDir() : base.getString("cwd", "/"));
        for (String key : new String[] {"capabilities", "noNewPrivileges", "rlimits", "apparmorProfile",
            "oomScoreAdj"}) {
            if (base.containsKey(key)) {
                process.put(key, base.getValue(key));
            }
        }
        return process;
    }

    /** {@code uid[:gid]} as an OCI user; a uid alone runs with gid 0; null keeps the container's user. */
    static JsonObject user(String spec, JsonObject containerUser) {
        if (spec == null || spec.isBlank()) {
            return containerUser.copy();
        }
        String[] parts = spec.split(":", 2);
        try {
            long uid = Long.parseLong(parts[0]);
            long gid = parts.length == 2 ? Long.parseLong(parts[1]) : 0;
            if (uid < 0 || gid < 0) {
                throw new NumberFormatException("negative");
            }
            return new JsonObject().put("uid", uid).put("gid", gid);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("user must be numeric uid[:gid], got " + spec, e);
        }
    }
}
