package dev.berth.plugin.capabilities.impl;

import dev.berth.api.BerthException;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The capabilities isolation module's work, without OSGi: from {@code --cap-add}, {@code --cap-drop},
 * {@code --privileged} and {@code --security-opt no-new-privileges} it sets {@code /process/capabilities}
 * (the whole object: the same sorted set as bounding, effective and permitted, inheritable and ambient
 * empty), {@code /process/noNewPrivileges} (true unless turned off) and, for {@code --privileged},
 * {@code /linux/maskedPaths} and {@code /linux/readonlyPaths} (both emptied) and
 * {@code /linux/resources/devices} (every device allowed). The engine's own bounding set is read from
 * {@code status} (normally {@code /proc/self/status}) for every container, since it bounds what any
 * container can get. Thread-safe (stateless).
 *
 * <p>Not final only so that its DS component, {@link CapabilitiesModule}, can extend it; extended only by that
 * component.
 */
public class CapabilityIsolation implements IsolationModule {
    /** The module id ({@code berth.plugin.id}). */
    public static final String ID = "capabilities";
    /** The module's place in the order ({@code berth.isolation.order}). */
    public static final int ORDER = 300;

    static final String CAPABILITIES = "/process/capabilities";
    static final String NO_NEW_PRIVILEGES = "/process/noNewPrivileges";
    static final String MASKED_PATHS = "/linux/maskedPaths";
    static final String READONLY_PATHS = "/linux/readonlyPaths";
    static final String DEVICES = "/linux/resources/devices";
    static final String ALL_DEVICES = "[{\"allow\":true,\"access\":\"rwm\"}]";

    private static final Set<String> OPTIONS = Set.of(CapabilityOptions.CAP_ADD, CapabilityOptions.CAP_DROP,
            CapabilityOptions.PRIVILEGED, CapabilityOptions.SECURITY_OPT + "=" + CapabilityOptions.NO_NEW_PRIVILEGES);

    private final Path status;

    /** A module that reads the engine's bounding set from {@code status} (a {@code /proc/PID/status} file). */
    public CapabilityIsolation(Path status) {
        this.status = Objects.requireNonNull(status, "status");
    }

    @Override
    public Set<String> options() {
        return OPTIONS;
    }

    /**
     * Refuses what {@link #contribute} refuses (a bad option value, a {@code --cap-add} of a capability the
     * engine lacks, an unreadable bounding set), with the same kind and message: it works out the same plan
     * and sets nothing.
     */
    @Override
    public void check(IsolationRequest request) throws BerthException {
        planned(request);
    }

    @Override
    public Contribution contribute(IsolationRequest request) throws BerthException {
        Planned planned = planned(request);
        CapabilityOptions options = planned.options();
        CapabilityPlan plan = planned.plan();
        Contribution.Builder contribution = Contribution.builder()
                .set(CAPABILITIES, capabilitiesJson(plan.granted()), plan.reason());
        plan.notes().forEach(contribution::note);
        contribution.set(NO_NEW_PRIVILEGES, Boolean.toString(options.noNewPrivileges()),
                options.noNewPrivilegesOption().map(o -> "--security-opt " + o + ": " + (options.noNewPrivileges()
                        ? "setuid programs and file capabilities cannot raise privileges"
                        : "setuid programs and file capabilities may raise privileges (within the bounding set)"))
                        .orElse("no-new-privileges by default: setuid programs and file capabilities cannot raise"
                                + " privileges; --security-opt no-new-privileges=false turns it off"));
        if (options.privileged()) {
            contribution.set(MASKED_PATHS, "[]", "--privileged: no /proc or /sys paths masked")
                    .set(READONLY_PATHS, "[]", "--privileged: no /proc paths made read-only")
                    .set(DEVICES, ALL_DEVICES, "--privileged: the device cgroup allows every device (rwm)")
                    .note("--privileged does less than Docker's: the host's devices are not added to /dev"
                            + " (the device cgroup allows them, so mknod works); the mounts are left as the spec"
                            + " stage made them, so /sys and the cgroup filesystem stay read-only; seccomp and"
                            + " SELinux labels are left to their own modules");
        }
        return contribution.build();
    }

    /** The request's options and the set they give on this engine: the checks of {@link #check}. */
    private Planned planned(IsolationRequest request) throws BerthException {
        CapabilityOptions options = CapabilityOptions.parse(request);
        return new Planned(options, CapabilityPlan.of(options, EngineBoundingSet.read(status)));
    }

    /** A request's options, checked, and the capability set they give. */
    private record Planned(CapabilityOptions options, CapabilityPlan plan) {
    }

    /** The whole {@code process.capabilities} object for {@code granted} (names from a fixed list, no escaping). */
    static String capabilitiesJson(List<String> granted) {
        String list = granted.stream().map(name -> "\"" + name + "\"").collect(Collectors.joining(",", "[", "]"));
        return "{\"bounding\":" + list + ",\"effective\":" + list + ",\"permitted\":" + list
                + ",\"inheritable\":[],\"ambient\":[]}";
    }
}
