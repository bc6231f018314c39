package dev.berth.plugin.selinux.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.ModuleLifecycle;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gives each container SELinux labels like Podman's: process label
 * {@code system_u:system_r:container_t:s0:cX,cY} and file/mount label
 * {@code system_u:object_r:container_file_t:s0:cX,cY}, with an MCS pair of its own from {@link McsAllocator};
 * honours {@code --security-opt label=...} and relabels {@code ,z}/{@code ,Z} volumes. On a host without
 * SELinux the labels are still computed and recorded as facts but left out of config.json (runc and crun
 * refuse them there), and an option that demands SELinux fails. Thread-safe: the allocator is the only
 * shared state.
 *
 * <p>Not final only so that its DS component, {@link SelinuxModule}, can extend it; extended only by that
 * component.
 */
class SelinuxLabeller implements IsolationModule, ModuleLifecycle {
    /** The options it reads. */
    static final Set<String> OPTIONS = Set.of("security-opt=label", "volume");
    static final String LABEL = "label";
    static final String VOLUME = "volume";
    /** Fact keys. */
    static final String LEVEL = "level";
    static final String PROCESS_LABEL = "processLabel";
    static final String MOUNT_LABEL = "mountLabel";
    static final String ENABLED = "enabled";
    /** The spec fields it sets when SELinux is on. */
    static final String PROCESS_POINTER = "/process/selinuxLabel";
    static final String MOUNT_POINTER = "/linux/mountLabel";

    private static final String PROCESS_USER = "system_u";
    private static final String PROCESS_ROLE = "system_r";
    private static final String FILE_USER = "system_u";
    private static final String FILE_ROLE = "object_r";
    /** The level of a shared ({@code ,z}) volume: no categories, so every container may use it. */
    private static final String SHARED_LEVEL = "s0";

    private final SelinuxSettings settings;
    private final McsAllocator allocator;
    private final Relabeller relabeller;

    SelinuxLabeller(SelinuxSettings settings, McsAllocator allocator, Relabeller relabeller) {
        this.settings = settings;
        this.allocator = allocator;
        this.relabeller = relabeller;
    }

    /**
     * A labeller with {@code settings} that draws MCS pairs at random from {@code settings.categories()} and
     * relabels volumes through {@code relabeller}.
     */
    SelinuxLabeller(SelinuxSettings settings, Relabeller relabeller) {
        this(settings, new McsAllocator(settings.categories(), new SecureRandom()), relabeller);
    }

    @Override
    public Set<String> options() {
        return OPTIONS;
    }

    /**
     * Refuses what {@link #contribute} refuses, with the same kind and message, without allocating a pair or
     * relabelling anything: it only reads the host's SELinux state and resolves the volumes' host paths.
     */
    @Override
    public void check(IsolationRequest request) throws BerthException {
        asked(request);
    }

    /** This module's part of {@code request}'s spec; see the class comment. */
    @Override
    public Contribution contribute(IsolationRequest request) throws BerthException {
        Asked asked = asked(request);
        SelinuxHost host = asked.host();
        LabelOptions label = asked.label();
        List<VolumeRelabel> volumes = asked.volumes();
        Contribution.Builder out = Contribution.builder();
        if (label.disabled()) {
            out.note("SELinux labelling disabled by --security-opt label=disable: no labels, no MCS pair"
                    + (host.on() ? "; the container runs with the runtime's own label" : ""));
            for (VolumeRelabel volume : volumes) {
                out.note("volume " + volume.host() + " not relabelled (" + suffix(volume)
                        + "): SELinux labelling is disabled for this container");
            }
            return out.build();
        }

        Optional<McsPair> held;
        String level;
        String levelWhy;
        if (label.level() != null) {
            level = label.level();
            held = McsPair.ofLevel(level);
            held.ifPresent(pair -> allocator.hold(request.containerId(), pair));
            levelWhy = "level " + level + " from --security-opt label=level";
        } else {
            McsPair pair = allocator.allocate(request.containerId());
            held = Optional.of(pair);
            level = pair.level();
            levelWhy = "its own MCS pair " + level;
        }
        try {
            String type = label.type() != null ? label.type() : settings.processType();
            String fileType = label.fileType() != null ? label.fileType() : settings.fileType();
            String processLabel = (label.user() != null ? label.user() : PROCESS_USER) + ":"
                    + (label.role() != null ? label.role() : PROCESS_ROLE) + ":" + type + ":" + level;
            String mountLabel = FILE_USER + ":" + FILE_ROLE + ":" + fileType + ":" + level;
            out.fact(LEVEL, level).fact(PROCESS_LABEL, processLabel).fact(MOUNT_LABEL, mountLabel)
                    .fact(ENABLED, Boolean.toString(host.on()));
            if (!host.on()) {
                out.note("SELinux labels computed but left out of config.json: no SELinux on this host (no "
                        + settings.selinuxfs() + "); runc and crun refuse them otherwise");
                for (VolumeRelabel volume : volumes) {
                    out.note("volume " + volume.host() + " not relabelled (" + suffix(volume)
                            + "): no SELinux on this host");
                }
                return out.build();
            }
            out.note("SELinux is on (" + host.mode() + ", read from " + host.enforceFile() + ")");
            out.set(PROCESS_POINTER, json(processLabel), "process type " + type
                    + (label.type() != null ? " from --security-opt label=type" : "") + " with " + levelWhy
                    + (label.user() != null ? ", user " + label.user() : "")
                    + (label.role() != null ? ", role " + label.role() : ""));
            out.set(MOUNT_POINTER, json(mountLabel), "file type " + fileType
                    + (label.fileType() != null ? " from --security-opt label=filetype" : "") + " with " + levelWhy);
            for (VolumeRelabel volume : volumes) {
                String volumeLabel = volume.shared()
                        ? FILE_USER + ":" + FILE_ROLE + ":" + fileType + ":" + SHARED_LEVEL
                        : mountLabel;
                relabeller.relabel(volume.host(), volumeLabel);
                out.note("volume " + volume.host() + " relabelled " + volumeLabel + " (" + suffix(volume) + ")");
            }
            return out.build();
        } catch (BerthException | RuntimeException e) {
            held.ifPresent(pair -> allocator.release(request.containerId(), pair));
            throw e;
        }
    }

    /** What {@code request} asks of the module, checked against the host: the checks of {@link #check}. */
    private Asked asked(IsolationRequest request) throws BerthException {
        SelinuxHost host = SelinuxHost.probe(settings.selinuxfs());
        if (settings.required() && !host.on()) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "SELinux labels for container " + request.containerId()
                    + ": the selinux module is configured with required=true, but this host has no SELinux ("
                    + host.enforceFile() + " does not exist)");
        }
        List<String> labelValues = request.securityOptions(LABEL);
        LabelOptions label = LabelOptions.parse(labelValues);
        List<VolumeRelabel> volumes = VolumeRelabel.parse(request.values(VOLUME));
        if (!host.on() && label.explicit()) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "--security-opt " + labelValues.stream()
                    .filter(v -> !v.equals("disable")).map(v -> LABEL + "=" + LabelOptions.printable(v))
                    .reduce((a, b) -> a + " " + b).orElse(LABEL) + ": this host has no SELinux ("
                    + host.enforceFile() + " does not exist), so it cannot give a container a chosen SELinux label;"
                    + " drop the option or use label=disable");
        }
        return new Asked(host, label, volumes);
    }

    /** A request's label options and volumes to relabel, checked, and the host state they were checked on. */
    private record Asked(SelinuxHost host, LabelOptions label, List<VolumeRelabel> volumes) {
    }

    /** Marks the MCS pair in {@code facts} taken by {@code containerId}. Idempotent. */
    @Override
    public void restore(String containerId, Map<String, String> facts) {
        McsPair.ofLevel(facts.get(LEVEL)).ifPresent(pair -> allocator.hold(containerId, pair));
    }

    /** Frees {@code containerId}'s hold on the MCS pair in {@code facts}. Idempotent. */
    @Override
    public void release(String containerId, Map<String, String> facts) {
        Optional<McsPair> pair = McsPair.ofLevel(facts.get(LEVEL));
        if (pair.isPresent()) {
            allocator.release(containerId, pair.get());
        } else {
            allocator.releaseAll(containerId); // facts unknown (a creation that failed): whatever it holds
        }
    }

    private static String suffix(VolumeRelabel volume) {
        return volume.shared() ? ",z: shared" : ",Z: private";
    }

    /** {@code text} as a JSON string; labels hold no characters that need more than quote and backslash escapes. */
    static String json(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
