package dev.berth.api.events;

import dev.berth.api.event.EventType;
import dev.berth.api.isolation.ModuleRecord;
import java.util.List;

/**
 * The spec stage wrote a container's OCI {@code config.json}: its digest, the process it runs, and the
 * defaults the stage decided on its own, and per isolation module (id and version) which fields it set and
 * why, and the facts it allocated ({@code modules}). Version 1 had no modules; it reads as an empty list.
 * Subject: the container id.
 */
@EventType(name = "spec.generated", version = 2)
public record SpecGenerated(String digest, List<String> args, int uid, int gid, String cwd,
        List<String> decisions, List<ModuleRecord> modules) {
}
