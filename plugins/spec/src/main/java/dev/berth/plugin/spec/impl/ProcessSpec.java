package dev.berth.plugin.spec.impl;

import java.util.List;

/**
 * The resolved process of a container, ready for {@code config.json}: terminal, identity, args, env,
 * working directory and the open-files limit. Immutable.
 */
record ProcessSpec(boolean terminal, ResolvedUser user, List<String> args, List<String> env, String cwd,
        long nofile) {
    ProcessSpec {
        args = List.copyOf(args);
        env = List.copyOf(env);
    }
}
