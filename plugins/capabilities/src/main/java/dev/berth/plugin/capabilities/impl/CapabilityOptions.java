package dev.berth.plugin.capabilities.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Capabilities;
import dev.berth.api.isolation.IsolationRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a run request asks of the capabilities module, checked: the capabilities named by {@code --cap-add}
 * and {@code --cap-drop} (each value may hold several names separated by commas, any case, with or without
 * {@code CAP_}; {@code ALL} stands for every capability), whether {@code --privileged} is set, and whether
 * no-new-privileges is on ({@code --security-opt no-new-privileges[=true|false]}, also with Docker's
 * {@code :} separator; on unless turned off; the last one given wins). Immutable.
 *
 * @param adds     the named {@code --cap-add} capabilities in the order given, each once
 * @param drops    the named {@code --cap-drop} capabilities in the order given, each once
 * @param addAll   whether {@code --cap-add ALL} was given
 * @param dropAll  whether {@code --cap-drop ALL} was given
 * @param privileged whether {@code --privileged} is set
 * @param noNewPrivileges whether the container's processes run with no_new_privs
 * @param noNewPrivilegesOption the {@code --security-opt} value that decided {@code noNewPrivileges}, or
 *        empty for the default
 */
record CapabilityOptions(List<Named> adds, List<Named> drops, boolean addAll, boolean dropAll, boolean privileged,
        boolean noNewPrivileges, Optional<String> noNewPrivilegesOption) {
    static final String CAP_ADD = "cap-add";
    static final String CAP_DROP = "cap-drop";
    static final String PRIVILEGED = "privileged";
    static final String NO_NEW_PRIVILEGES = "no-new-privileges";
    static final String SECURITY_OPT = "security-opt";

    CapabilityOptions {
        adds = List.copyOf(adds);
        drops = List.copyOf(drops);
    }

    /** A capability as the user typed it ({@code net_admin}) and its canonical name ({@code CAP_NET_ADMIN}). */
    record Named(String typed, String name) {
    }

    /** The options of {@code request}; a bad value is INVALID, naming the option and the value. */
    static CapabilityOptions parse(IsolationRequest request) throws BerthException {
        List<Named> adds = new ArrayList<>();
        List<Named> drops = new ArrayList<>();
        boolean addAll = names(request.values(CAP_ADD), CAP_ADD, adds);
        boolean dropAll = names(request.values(CAP_DROP), CAP_DROP, drops);
        Optional<String> noNewPrivileges = noNewPrivileges(request);
        return new CapabilityOptions(adds, drops, addAll, dropAll, privileged(request),
                noNewPrivileges.map(o -> !o.toLowerCase(Locale.ROOT).endsWith("false")).orElse(true), noNewPrivileges);
    }

    /** Adds the capabilities in {@code values} to {@code into}; returns whether ALL was among them. */
    private static boolean names(List<String> values, String option, List<Named> into) throws BerthException {
        boolean all = false;
        for (String value : values) {
            for (String typed : value.split(",", -1)) {
                String trimmed = typed.trim();
                if (trimmed.isEmpty()) {
                    throw new BerthException(ErrorKind.INVALID, "--" + option + " \"" + value
                            + "\": empty capability name");
                }
                if (trimmed.toUpperCase(Locale.ROOT).equals("ALL")) {
                    all = true;
                    continue;
                }
                Optional<String> name = Capabilities.canonical(trimmed);
                if (name.isEmpty()) {
                    throw new BerthException(ErrorKind.INVALID, "unknown capability \"" + trimmed + "\" in --" + option
                            + " (names are like NET_ADMIN or CAP_NET_ADMIN, or ALL)");
                }
                if (into.stream().noneMatch(n -> n.name().equals(name.get()))) {
                    into.add(new Named(trimmed, name.get()));
                }
            }
        }
        return all;
    }

    private static boolean privileged(IsolationRequest request) throws BerthException {
        Optional<String> value = request.value(PRIVILEGED);
        if (value.isEmpty()) {
            return false;
        }
        String v = value.get().trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("true")) {
            return true;
        }
        if (v.equals("false")) {
            return false;
        }
        throw new BerthException(ErrorKind.INVALID, "--privileged=" + value.get() + ": expected true or false");
    }

    /** The last {@code --security-opt no-new-privileges...} value as given, checked. */
    private static Optional<String> noNewPrivileges(IsolationRequest request) throws BerthException {
        String last = null;
        for (String option : request.values(SECURITY_OPT)) {
            if (!IsolationRequest.securityKey(option).equals(NO_NEW_PRIVILEGES)) {
                continue;
            }
            boolean bare = option.length() == NO_NEW_PRIVILEGES.length();
            String v = bare ? "" : option.substring(NO_NEW_PRIVILEGES.length() + 1).toLowerCase(Locale.ROOT);
            if (!bare && !v.equals("true") && !v.equals("false")) {
                throw new BerthException(ErrorKind.INVALID, "--security-opt " + option
                        + ": expected no-new-privileges, no-new-privileges=true or no-new-privileges=false");
            }
            last = option;
        }
        return Optional.ofNullable(last);
    }
}
