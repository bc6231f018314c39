package dev.berth.plugin.spec.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Docker's process environment: PATH (the default only when neither image nor options set it), HOSTNAME
 * and, with a terminal, TERM=xterm come first; the image's Env then the options' entries replace an entry
 * of the same key in place or are appended. Every entry must be {@code KEY=VALUE}. Stateless.
 */
final class Environment {
    /** Docker's PATH for images that set none. */
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private Environment() {
    }

    /** The merged environment; defaults chosen on the engine's behalf are added to {@code decisions}. */
    static List<String> build(List<String> image, List<String> options, String hostname, boolean tty,
            List<String> decisions) throws BerthException {
        List<String> config = new ArrayList<>();
        for (String entry : image) {
            put(config, checked(entry, "the image's Env"));
        }
        for (String entry : options) {
            put(config, checked(entry, "the options"));
        }
        List<String> env = new ArrayList<>();
        if (value(config, "PATH") == null) {
            env.add("PATH=" + DEFAULT_PATH);
            decisions.add("PATH=" + DEFAULT_PATH + ": neither the image nor the options set PATH");
        }
        env.add("HOSTNAME=" + hostname);
        if (tty) {
            env.add("TERM=xterm");
            decisions.add("TERM=xterm: the container has a terminal");
        }
        for (String entry : config) {
            put(env, entry);
        }
        return List.copyOf(env);
    }

    /** The value of {@code key} in {@code env}, or null. */
    static String value(List<String> env, String key) {
        for (String entry : env) {
            if (key(entry).equals(key)) {
                return entry.substring(key.length() + 1);
            }
        }
        return null;
    }

    private static String checked(String entry, String from) throws BerthException {
        int equals = entry.indexOf('=');
        if (equals < 0) {
            throw new BerthException(ErrorKind.INVALID, "invalid environment variable \"" + entry + "\" in " + from
                    + ": expected KEY=VALUE");
        }
        if (equals == 0) {
            throw new BerthException(ErrorKind.INVALID, "invalid environment variable \"" + entry + "\" in " + from
                    + ": the name is empty");
        }
        if (entry.indexOf('\0') >= 0) {
            throw new BerthException(ErrorKind.INVALID, "invalid environment variable \"" + key(entry) + "\" in "
                    + from + ": it contains a NUL byte");
        }
        return entry;
    }

    private static void put(List<String> env, String entry) {
        String key = key(entry);
        for (int i = 0; i < env.size(); i++) {
            if (key(env.get(i)).equals(key)) {
                env.set(i, entry);
                return;
            }
        }
        env.add(entry);
    }

    private static String key(String entry) {
        int equals = entry.indexOf('=');
        return equals < 0 ? entry : entry.substring(0, equals);
    }
}
