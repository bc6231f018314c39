package dev.berth.plugin.seccomp.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.isolation.Capabilities;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The capabilities a container can ever hold, against which the default profile's unlocks and Docker
 * profiles' {@code includes.caps}/{@code excludes.caps} are judged: the spec's
 * {@code /process/capabilities/bounding}, which the capabilities module (order 300) sets before this module
 * (order 500) runs, as Docker judges them against the bounding set. When the spec has no usable set,
 * Docker's 14 default capabilities, with {@code fallback} saying why. Immutable.
 */
record BoundingSet(Set<String> capabilities, Optional<String> fallback) {
    /** Docker's default capabilities: what a container holds when nothing says otherwise. */
    static final Set<String> DOCKER_DEFAULT = Set.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    static final String POINTER = "/process/capabilities/bounding";
    private static final ObjectMapper JSON = new ObjectMapper();

    BoundingSet {
        capabilities = Collections.unmodifiableSet(new TreeSet<>(capabilities));
    }

    /** Docker's default 14, with nothing to report: for {@code check}, which has no spec yet. */
    static BoundingSet dockerDefault() {
        return new BoundingSet(DOCKER_DEFAULT, Optional.empty());
    }

    /**
     * The bounding set of the config.json text {@code spec}; Docker's default 14, with the reason, when the
     * spec is not a JSON object or has no bounding array of strings. Names are read as the capabilities
     * module writes them ({@code CAP_SYS_ADMIN}); other spellings of a known capability are made canonical,
     * and a name no capability has is kept as it is (it matches nothing).
     */
    static BoundingSet of(String spec) {
        JsonNode root;
        try {
            root = JSON.readTree(spec);
        } catch (JsonProcessingException e) {
            return fallback("the spec is not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            return fallback("the spec is not a JSON object");
        }
        JsonNode capabilities = root.at("/process/capabilities");
        if (capabilities.isMissingNode() || capabilities.isNull()) {
            return fallback("the spec has no /process/capabilities");
        }
        JsonNode bounding = root.at(POINTER);
        if (bounding.isMissingNode() || bounding.isNull()) {
            return fallback("the spec has no " + POINTER);
        }
        if (!bounding.isArray()) {
            return fallback(POINTER + " is not an array");
        }
        Set<String> names = new TreeSet<>();
        for (int i = 0; i < bounding.size(); i++) {
            JsonNode name = bounding.get(i);
            if (!name.isTextual()) {
                return fallback(POINTER + "/" + i + " is not a string");
            }
            names.add(Capabilities.canonical(name.textValue()).orElse(name.textValue()));
        }
        return new BoundingSet(names, Optional.empty());
    }

    private static BoundingSet fallback(String why) {
        return new BoundingSet(DOCKER_DEFAULT, Optional.of(why));
    }

    /** Whether {@code capability} (a canonical name) is in the set. */
    boolean holds(String capability) {
        return capabilities.contains(capability);
    }

    /** The note for a fallback: why, and that {@code what} was judged against Docker's defaults instead. */
    Optional<String> note(String what) {
        return fallback.map(why -> why + ": " + what + " judged against Docker's 14 default capabilities instead of"
                + " the container's bounding set");
    }
}
