package dev.berth.plugin.capabilities.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Capabilities;
import dev.berth.plugin.capabilities.impl.CapabilityOptions.Named;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The capability set one container gets, worked out from its options and what the engine holds, with the
 * reason and one note per capability the user named, so an auditor can tell where each came from.
 *
 * <p>The steps, in Docker's order: start from Docker's 14 defaults; {@code --cap-drop ALL} empties the
 * set; {@code --cap-add ALL} or {@code --privileged} fills it with every capability the engine holds; the
 * named {@code --cap-add} capabilities are added; the named {@code --cap-drop} capabilities are removed
 * last. So {@code --cap-add X --cap-drop X} leaves X out (the drop wins; Docker 20.10 and later keep X),
 * and a {@code --cap-drop} is applied under {@code --privileged} too (Docker ignores it there): a drop the
 * user asked for is never silently lost. A capability the engine itself lacks is never granted: naming one
 * in {@code --cap-add} is refused; ALL, {@code --privileged} and the defaults leave it out with a note.
 * Immutable.
 *
 * @param granted the capabilities, sorted by name: bounding, effective and permitted alike
 * @param reason  one line: where the set came from
 * @param notes   one line per capability the user named or the engine withheld
 */
record CapabilityPlan(List<String> granted, String reason, List<String> notes) {
    /** Docker's default capabilities (moby oci/caps defaults), sorted by name. */
    static final List<String> DOCKER_DEFAULTS = List.of("CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW",
            "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT");
    private static final String DEFAULTS_TEXT = "Docker's default " + DOCKER_DEFAULTS.size() + " capabilities";

    CapabilityPlan {
        granted = List.copyOf(granted);
        notes = List.copyOf(notes);
    }

    /** Works out the set for {@code options} on an engine holding {@code engine}. */
    static CapabilityPlan of(CapabilityOptions options, EngineBoundingSet engine) throws BerthException {
        for (Named add : options.adds()) {
            if (!engine.holds(add.name())) {
                throw new BerthException(ErrorKind.INVALID, "--cap-add " + add.typed() + ": the engine does not hold "
                        + add.name() + " (not in its bounding set, CapBnd in " + engine.source()
                        + "), so no container it starts can have it");
            }
        }
        List<String> notes = new ArrayList<>();
        boolean everything = options.addAll() || options.privileged();
        String everythingBy = options.privileged() ? "--privileged" : "--cap-add ALL";
        TreeSet<String> set = new TreeSet<>();
        String base;
        List<String> withheld = new ArrayList<>();
        if (everything) {
            set.addAll(engine.held());
            withheld.addAll(engine.lacking());
            base = "every capability the engine holds (" + everythingBy + ")";
            notes.add(everythingBy + ": every capability the engine holds, " + set.size() + " of the "
                    + Capabilities.names().size() + " known" + (withheld.isEmpty() ? ""
                    : "; left out, because the engine's bounding set lacks them: " + String.join(", ", withheld)));
            if (options.privileged() && options.addAll()) {
                notes.add("--cap-add ALL: changes nothing under --privileged");
            }
        } else if (options.dropAll()) {
            base = "no capabilities (--cap-drop ALL)";
            notes.add("--cap-drop ALL: none of " + DEFAULTS_TEXT + " kept");
        } else {
            for (String name : DOCKER_DEFAULTS) {
                if (engine.holds(name)) {
                    set.add(name);
                } else {
                    withheld.add(name);
                    notes.add(name + ": one of " + DEFAULTS_TEXT + ", left out: the engine does not hold it");
                }
            }
            base = DEFAULTS_TEXT;
        }
        if (everything && options.dropAll()) {
            notes.add("--cap-drop ALL: overridden by " + everythingBy + ", which comes after it");
        }
        String baseSource = everything ? "granted by " + everythingBy : options.dropAll() ? null : "one of " + DEFAULTS_TEXT;

        Set<String> dropped = options.drops().stream().map(Named::name).collect(Collectors.toSet());
        List<String> added = new ArrayList<>();
        for (Named add : options.adds()) {
            if (dropped.contains(add.name())) {
                Named drop = options.drops().stream().filter(d -> d.name().equals(add.name())).findFirst().orElseThrow();
                notes.add(add.name() + ": --cap-add " + add.typed() + " and --cap-drop " + drop.typed()
                        + " both given; the drop wins");
            } else if (set.add(add.name())) {
                added.add(add.typed());
                notes.add(add.name() + ": added by --cap-add " + add.typed());
            } else {
                notes.add(add.name() + ": --cap-add " + add.typed() + " changes nothing, already " + baseSource);
            }
        }
        List<String> removed = new ArrayList<>();
        for (Named drop : options.drops()) {
            if (set.remove(drop.name())) {
                removed.add(drop.typed());
                notes.add(drop.name() + ": dropped by --cap-drop " + drop.typed()
                        + (options.privileged() ? " (applied under --privileged, unlike Docker)" : ""));
            } else if (options.adds().stream().noneMatch(a -> a.name().equals(drop.name()))) {
                notes.add(drop.name() + ": --cap-drop " + drop.typed() + " changes nothing, it was not in the set");
            }
        }

        StringBuilder reason = new StringBuilder(base);
        if (!added.isEmpty()) {
            reason.append(" plus --cap-add ").append(String.join(", ", added));
        }
        if (!removed.isEmpty()) {
            reason.append(added.isEmpty() ? "" : ",").append(" minus --cap-drop ").append(String.join(", ", removed));
        }
        if (!withheld.isEmpty()) {
            reason.append("; without ").append(String.join(", ", withheld)).append(", which the engine lacks");
        }
        reason.append(": ").append(set.size()).append(set.size() == 1 ? " capability" : " capabilities")
                .append(" bounding, effective and permitted; inheritable and ambient empty");
        return new CapabilityPlan(new ArrayList<>(set), reason.toString(), notes);
    }
}
