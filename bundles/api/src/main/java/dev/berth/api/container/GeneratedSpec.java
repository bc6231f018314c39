package dev.berth.api.container;

import java.util.List;

/**
 * A written OCI runtime {@code config.json}: its path, the digest of its bytes ({@code sha256:...}), the
 * process it runs ({@code args}, the resolved {@code uid}/{@code gid}, {@code cwd}), and one line per
 * default the stage chose on its own ({@code decisions}, e.g. "left out SELinux labels: SELinux is
 * off"), for the events. Immutable.
 */
public record GeneratedSpec(String path, String digest, List<String> args, int uid, int gid, String cwd,
        List<String> decisions) {
    public GeneratedSpec {
        args = List.copyOf(args);
        decisions = decisions == null ? List.of() : List.copyOf(decisions);
    }
}
