package dev.berth.api.container;

import dev.berth.api.isolation.ModuleRecord;
import java.util.List;

/**
 * A written OCI runtime {@code config.json}: its path, the digest of its bytes ({@code sha256:...}), the
 * process it runs ({@code args}, the resolved {@code uid}/{@code gid}, {@code cwd}), and one line per
 * default the stage chose on its own ({@code decisions}, e.g. "working directory /: neither the image nor
 * the options set one"), and what each isolation module set and why ({@code modules}, in the order they
 * ran), for the events. Immutable.
 */
public record GeneratedSpec(String path, String digest, List<String> args, int uid, int gid, String cwd,
        List<String> decisions, List<ModuleRecord> modules) {
    public GeneratedSpec {
        args = List.copyOf(args);
        decisions = decisions == null ? List.of() : List.copyOf(decisions);
        modules = modules == null ? List.of() : List.copyOf(modules);
    }

    /** A spec no isolation module contributed to. */
    public GeneratedSpec(String path, String digest, List<String> args, int uid, int gid, String cwd,
            List<String> decisions) {
        this(path, digest, args, uid, gid, cwd, decisions, List.of());
    }
}
