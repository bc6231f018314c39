package dev.berth.plugin.namespaces.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.IsolationRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The namespace options of one run request, parsed and checked against each other before anything is
 * allocated or changed: {@code --pid}, {@code --ipc}, {@code --network} ({@code private|none|host|container:NAME}),
 * {@code --uts}, {@code --cgroupns} ({@code private|host}), {@code --userns} ({@code host|auto}) and the
 * repeatable {@code --uidmap}/{@code --gidmap C:H:N}. For a single-valued option the last value wins, as
 * in Docker. Immutable.
 *
 * <p>{@code --gidmap} without {@code --uidmap} is refused; {@code --uidmap} without {@code --gidmap} uses
 * the uid map for gids too (Podman does the same), so one flag is enough for the common case.
 */
record NamespaceOptions(Sharing pid, Sharing ipc, Sharing network, Sharing uts, Sharing cgroup, Userns userns,
        Optional<IdMap> uidMap, Optional<IdMap> gidMap) {
    static final String PID = "pid";
    static final String IPC = "ipc";
    static final String UTS = "uts";
    static final String NETWORK = "network";
    static final String CGROUPNS = "cgroupns";
    static final String USERNS = "userns";
    static final String UIDMAP = "uidmap";
    static final String GIDMAP = "gidmap";
    /** Every option the module reads. */
    static final Set<String> ALL = Set.of(PID, IPC, UTS, NETWORK, CGROUPNS, USERNS, UIDMAP, GIDMAP);

    /** Which user namespace the container gets. */
    enum Userns {
        /** None: container ids are host ids (the default, as in Docker). */
        HOST,
        /** A free range from the module's pool. */
        AUTO,
        /** The maps given with {@code --uidmap}/{@code --gidmap}. */
        EXPLICIT
    }

    /** Whether the container gets a user namespace of its own. */
    boolean userNamespace() {
        return userns != Userns.HOST;
    }

    /** Parses and cross-checks the request's options; INVALID naming the option and value otherwise. */
    static NamespaceOptions parse(IsolationRequest request) throws BerthException {
        Sharing pid = joinable(request, PID, List.of("private", "host", "container:NAME"));
        Sharing ipc = joinable(request, IPC, List.of("private", "host", "container:NAME"));
        Sharing network = joinable(request, NETWORK, List.of("private", "none", "host", "container:NAME"));
        Sharing uts = hostOrPrivate(request, UTS);
        Sharing cgroup = hostOrPrivate(request, CGROUPNS);

        Optional<IdMap> uidMap = idMap(request, UIDMAP);
        Optional<IdMap> gidMap = idMap(request, GIDMAP);
        if (gidMap.isPresent() && uidMap.isEmpty()) {
            throw invalid("--gidmap " + String.join(" --gidmap ", request.values(GIDMAP))
                    + ": give --uidmap as well (a --uidmap alone also maps gids the same way)");
        }
        if (uidMap.isPresent() && gidMap.isEmpty()) {
            gidMap = uidMap;
        }
        Userns userns;
        Optional<String> asked = request.value(USERNS);
        if (asked.isEmpty()) {
            userns = uidMap.isPresent() ? Userns.EXPLICIT : Userns.HOST;
        } else if (asked.get().equals("host")) {
            if (uidMap.isPresent()) {
                throw invalid("--userns host: cannot be combined with --uidmap/--gidmap, which ask for a user namespace");
            }
            userns = Userns.HOST;
        } else if (asked.get().equals("auto")) {
            if (uidMap.isPresent()) {
                throw invalid("--userns auto: cannot be combined with --uidmap/--gidmap; give one or the other");
            }
            userns = Userns.AUTO;
        } else {
            throw invalid("--userns " + asked.get() + ": not a user namespace mode; valid values are host, auto");
        }
        NamespaceOptions options = new NamespaceOptions(pid, ipc, network, uts, cgroup, userns, uidMap, gidMap);
        if (options.userNamespace()) {
            options.refuseSharingWithUserns();
        }
        return options;
    }

    /**
     * With a user namespace of its own the container is not privileged over a namespace owned by the
     * host's user namespace, and runc then fails inside container init (checked with runc 1.1.5): a host
     * or joined network namespace stops the sysfs mount on /sys, a pid namespace the proc mount, an ipc
     * namespace the mqueue mount. Refused here, with the reason, instead of deep in the runtime.
     */
    private void refuseSharingWithUserns() throws BerthException {
        String with = userns == Userns.AUTO ? "--userns auto" : "--uidmap";
        record Shared(String option, Sharing sharing, String mount) {
        }
        for (Shared s : List.of(new Shared(NETWORK, network, "sysfs on /sys"), new Shared(PID, pid, "proc on /proc"),
                new Shared(IPC, ipc, "mqueue on /dev/mqueue"))) {
            if (s.sharing().kind() == Sharing.Kind.PRIVATE) {
                continue;
            }
            throw invalid("--" + s.option() + " " + s.sharing().asked() + ": cannot be combined with " + with
                    + ": the container's user namespace would not own that " + s.option()
                    + " namespace, so the runtime could not mount " + s.mount() + "; drop one of the two");
        }
    }

    private static Sharing joinable(IsolationRequest request, String option, List<String> valid)
            throws BerthException {
        Optional<String> value = request.value(option);
        if (value.isEmpty()) {
            return Sharing.fresh(null);
        }
        String v = value.get();
        if (v.startsWith("container:")) {
            String peer = v.substring("container:".length());
            if (peer.isBlank()) {
                throw invalid("--" + option + " " + v + ": give the container's name or id after container:");
            }
            return Sharing.container(peer, v);
        }
        if (v.equals("host")) {
            return Sharing.host(v);
        }
        if (valid.contains(v)) {
            return Sharing.fresh(v);
        }
        throw invalid("--" + option + " " + (v.isEmpty() ? "\"\"" : v) + ": not a " + option
                + " namespace mode; valid values are " + String.join(", ", valid));
    }

    private static Sharing hostOrPrivate(IsolationRequest request, String option) throws BerthException {
        Optional<String> value = request.value(option);
        if (value.isEmpty() || value.get().equals("private")) {
            return Sharing.fresh(value.orElse(null));
        }
        if (value.get().equals("host")) {
            return Sharing.host(value.get());
        }
        throw invalid("--" + option + " " + (value.get().isEmpty() ? "\"\"" : value.get()) + ": not a " + option
                + " mode; valid values are private, host");
    }

    private static Optional<IdMap> idMap(IsolationRequest request, String option) throws BerthException {
        List<String> values = request.values(option);
        if (values.isEmpty()) {
            return Optional.empty();
        }
        List<IdMapping> mappings = new ArrayList<>();
        for (String value : values) {
            // Podman also accepts several mappings in one value, comma-separated.
            for (String part : value.split(",", -1)) {
                try {
                    mappings.add(IdMapping.parse(part));
                } catch (IllegalArgumentException e) {
                    throw invalid("--" + option + " " + value + ": " + e.getMessage());
                }
            }
        }
        try {
            return Optional.of(new IdMap(mappings));
        } catch (IllegalArgumentException e) {
            String kind = option.equals(UIDMAP) ? "uid" : "gid";
            throw invalid("--" + option + " " + String.join(" --" + option + " ", values) + ": overlapping " + kind
                    + " maps: " + e.getMessage());
        }
    }

    static BerthException invalid(String message) {
        return new BerthException(ErrorKind.INVALID, message);
    }
}
