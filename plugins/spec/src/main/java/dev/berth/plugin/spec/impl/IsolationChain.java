package dev.berth.plugin.spec.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.RunOptions;
import dev.berth.api.container.VolumeMount;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.ModuleLifecycle;
import dev.berth.api.isolation.ModuleRecord;
import dev.berth.api.isolation.SpecField;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Runs the isolation modules that are on for one container over its base spec: chooses them (defaults,
 * {@code --isolation-module}, {@code --no-isolation-module}), refuses any option no chosen module reads,
 * asks each for its contribution in order, refuses two modules touching the same field differently
 * (naming both), and applies the fields. If anything fails, modules that allocated for this container
 * are told to release it. Thread-safe: holds no state between calls.
 */
final class IsolationChain {
    /** The option key under which each volume reaches the modules: {@code HOST:CTR:ro|rw[,z|,Z]}. */
    static final String VOLUME = "volume";
    private static final String SECURITY_OPT = "security-opt";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger("berth.spec.isolation");

    private final List<ActiveModule> installed;
    private final Set<String> configuredOn;
    private final Set<String> configuredOff;
    private final Set<String> required;

    /**
     * A chain over the {@code installed} modules; {@code configuredOn} (empty: every default-on module)
     * and {@code configuredOff} are the engine configuration's defaults.
     */
    IsolationChain(List<ActiveModule> installed, Set<String> configuredOn, Set<String> configuredOff) {
        this(installed, configuredOn, configuredOff, Set.of());
    }

    /**
     * The same, refusing to create a container without one of the {@code required} modules unless it
     * turns that module off itself: a module being updated or missing must not mean a container without
     * its isolation (new namespaces, capabilities limited to Docker's).
     */
    IsolationChain(List<ActiveModule> installed, Set<String> configuredOn, Set<String> configuredOff,
            Set<String> required) {
        this.installed = installed.stream().sorted(ActiveModule.RUN_ORDER).toList();
        this.configuredOn = Set.copyOf(configuredOn);
        this.configuredOff = Set.copyOf(configuredOff);
        this.required = Set.copyOf(required);
    }

    /** What the chain did: the records per module, in order, and decisions of its own. */
    record Outcome(List<ModuleRecord> records, List<String> decisions) {
    }

    /**
     * Refuses what {@link #apply} would refuse about the options alone, before anything is mounted:
     * module choice, options no chosen module reads, and each chosen module's own {@code check}.
     */
    void check(String containerId, String name, RunOptions options, Map<String, Integer> peers)
            throws BerthException {
        List<ActiveModule> chosen = choose(options.isolation());
        Map<String, List<String>> given = given(options, chosen);
        for (ActiveModule module : chosen) {
            try {
                module.module().check(new IsolationRequest(containerId, name, optionsFor(module, given), "{}", peers));
            } catch (RuntimeException e) {
                throw new BerthException(ErrorKind.INTERNAL, "isolation module " + module.id() + " " + module.version()
                        + " failed to check the options: " + e, e);
            }
        }
    }

    /** The options as modules see them: selection options out, volumes in; refuses options no chosen module reads. */
    private Map<String, List<String>> given(RunOptions options, List<ActiveModule> chosen) throws BerthException {
        Map<String, List<String>> given = new TreeMap<>(options.isolation());
        given.remove(RunOptions.MODULE_ON);
        given.remove(RunOptions.MODULE_OFF);
        checkEveryOptionIsRead(given, chosen);
        if (!options.volumes().isEmpty()) {
            given.put(VOLUME, options.volumes().stream().map(IsolationChain::volume).toList());
        }
        return given;
    }

    /**
     * Applies the chosen modules' fields to {@code spec} (changed in place) for container
     * {@code containerId}; {@code peers} are the resolved {@code container:NAME} pids.
     */
    Outcome apply(String containerId, String name, RunOptions options, Map<String, Integer> peers, ObjectNode spec)
            throws BerthException {
        List<ActiveModule> chosen = choose(options.isolation());
        Map<String, List<String>> given = given(options, chosen);
        List<String> decisions = new ArrayList<>();
        if (chosen.isEmpty()) {
            decisions.add("no isolation module is on: the container shares the host's namespaces and has no capabilities");
        } else {
            decisions.add("isolation modules, in order: " + chosen.stream().map(m -> m.id() + " " + m.version())
                    .collect(Collectors.joining(", ")));
        }
        // Each module sees the spec being built: the base with the fields of the modules before it. The
        // container's spec changes only once every module has answered and no two conflict.
        ObjectNode building = spec.deepCopy();
        List<ModuleRecord> records = new ArrayList<>();
        Map<String, Owner> owners = new LinkedHashMap<>();
        List<Applied> applied = new ArrayList<>();
        try {
            for (ActiveModule module : chosen) {
                IsolationRequest request = new IsolationRequest(containerId, name, optionsFor(module, given),
                        building.toString(), peers);
                Contribution contribution = contribute(module, request);
                applied.add(new Applied(module, contribution));
                for (SpecField field : contribution.fields()) {
                    if (claim(owners, module, field)) {
                        set(building, module, field);
                    }
                }
                records.add(ModuleRecord.of(module.id(), module.version(), module.order(), contribution));
            }
            spec.removeAll();
            spec.setAll(building);
        } catch (BerthException | RuntimeException e) {
            release(containerId, applied.stream().map(a -> ModuleRecord.of(a.module().id(), a.module().version(),
                    a.module().order(), a.contribution())).toList());
            throw e;
        }
        return new Outcome(records, decisions);
    }

    private record Applied(ActiveModule module, Contribution contribution) {
    }

    /**
     * Tells each module of {@code records} that allocates to free what it gave {@code containerId}: the
     * container will not exist after all. A module that fails here is logged; the others still release.
     */
    void release(String containerId, List<ModuleRecord> records) {
        for (ModuleRecord record : records) {
            for (ActiveModule module : installed) {
                if (!module.id().equals(record.id()) || !(module.module() instanceof ModuleLifecycle lifecycle)) {
                    continue;
                }
                try {
                    lifecycle.release(containerId, record.facts());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "isolation module " + module.id() + ": release "
                            + containerId + ": " + e, e);
                }
            }
        }
    }

    private record Owner(ActiveModule module, SpecField field, JsonNode value) {
    }

    private List<ActiveModule> choose(Map<String, List<String>> isolation) throws BerthException {
        Set<String> named = ids(isolation.getOrDefault(RunOptions.MODULE_ON, List.of()));
        Set<String> off = ids(isolation.getOrDefault(RunOptions.MODULE_OFF, List.of()));
        Set<String> known = installed.stream().map(ActiveModule::id).collect(Collectors.toCollection(TreeSet::new));
        for (String id : named) {
            requireKnown("--isolation-module", id, known);
        }
        for (String id : off) {
            if (!required.contains(id) && !configuredOn.contains(id)) { // a configured module may be off while missing
                requireKnown("--no-isolation-module", id, known);
            }
        }
        Set<String> both = new TreeSet<>(named);
        both.retainAll(off);
        if (!both.isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, "isolation module " + String.join(", ", both)
                    + " is both asked for (--isolation-module) and turned off (--no-isolation-module)");
        }
        Set<String> missing = new TreeSet<>(required);
        missing.addAll(configuredOn);
        missing.removeAll(known);
        missing.removeAll(off);
        missing.removeAll(configuredOff);
        if (!missing.isEmpty()) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "isolation module " + String.join(", ", missing)
                    + (missing.size() == 1 ? " is" : " are") + " configured for every container but not installed "
                    + "or not active (installed: " + (known.isEmpty() ? "none" : String.join(", ", known))
                    + "); refusing to create a container without it (--no-isolation-module "
                    + missing.iterator().next() + " would ask for that explicitly)");
        }
        List<ActiveModule> chosen = new ArrayList<>();
        for (ActiveModule module : installed) {
            boolean byDefault = configuredOn.isEmpty() ? module.defaultOn() : configuredOn.contains(module.id());
            boolean on = named.contains(module.id()) || (byDefault && !configuredOff.contains(module.id()));
            if (on && !off.contains(module.id())) {
                chosen.add(module);
            }
        }
        return chosen;
    }

    private static Set<String> ids(List<String> values) {
        Set<String> ids = new LinkedHashSet<>();
        for (String value : values) {
            Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(ids::add);
        }
        return ids;
    }

    private static void requireKnown(String flag, String id, Set<String> known) throws BerthException {
        if (!known.contains(id)) {
            throw new BerthException(ErrorKind.INVALID, flag + " " + id + ": no such isolation module (installed: "
                    + (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
        }
    }

    /** Every option must be read by a module that is on; the message says which module would read it. */
    private void checkEveryOptionIsRead(Map<String, List<String>> given, List<ActiveModule> chosen)
            throws BerthException {
        for (Map.Entry<String, List<String>> option : given.entrySet()) {
            if (option.getKey().equals(SECURITY_OPT)) {
                for (String value : option.getValue()) {
                    String key = SECURITY_OPT + "=" + IsolationRequest.securityKey(value);
                    requireReader("--security-opt " + shorten(value), key, chosen);
                }
            } else {
                requireReader("--" + option.getKey(), option.getKey(), chosen);
            }
        }
    }

    private void requireReader(String shown, String key, List<ActiveModule> chosen) throws BerthException {
        if (chosen.stream().anyMatch(m -> m.module().options().contains(key))) {
            return;
        }
        List<String> readers = installed.stream().filter(m -> m.module().options().contains(key))
                .map(ActiveModule::id).toList();
        String why = readers.isEmpty()
                ? "no installed isolation module reads it"
                : "only the " + String.join(", ", readers) + " isolation module reads it, and it is off for this container";
        if (key.startsWith(SECURITY_OPT + "=")) {
            why = readers.isEmpty() ? "unknown security option (no installed isolation module reads \""
                    + key.substring(SECURITY_OPT.length() + 1) + "\")" : why;
        }
        throw new BerthException(ErrorKind.INVALID, shown + ": " + why);
    }

    private static String shorten(String value) {
        return value.length() > 60 ? value.substring(0, 57) + "..." : value;
    }

    private static Map<String, List<String>> optionsFor(ActiveModule module, Map<String, List<String>> given) {
        Set<String> reads = module.module().options();
        Map<String, List<String>> mine = new TreeMap<>();
        for (Map.Entry<String, List<String>> option : given.entrySet()) {
            if (option.getKey().equals(SECURITY_OPT)) {
                List<String> values = option.getValue().stream()
                        .filter(v -> reads.contains(SECURITY_OPT + "=" + IsolationRequest.securityKey(v))).toList();
                if (!values.isEmpty()) {
                    mine.put(SECURITY_OPT, values);
                }
            } else if (reads.contains(option.getKey())) {
                mine.put(option.getKey(), option.getValue());
            }
        }
        return mine;
    }

    private static Contribution contribute(ActiveModule module, IsolationRequest request) throws BerthException {
        Contribution contribution;
        try {
            contribution = module.module().contribute(request);
        } catch (BerthException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BerthException(ErrorKind.INTERNAL, "isolation module " + module.id() + " " + module.version()
                    + " failed: " + e, e);
        }
        if (contribution == null) {
            throw new BerthException(ErrorKind.INTERNAL, "isolation module " + module.id() + " gave no contribution");
        }
        return contribution;
    }

    /** Records {@code module} as the owner of {@code field}; false when another module set the same value first. */
    private static boolean claim(Map<String, Owner> owners, ActiveModule module, SpecField field) throws BerthException {
        JsonNode value = parse(module, field);
        for (Owner owner : owners.values()) {
            if (!owner.field().overlaps(field)) {
                continue;
            }
            boolean same = owner.field().pointer().equals(field.pointer())
                    && java.util.Objects.equals(owner.value(), value);
            if (same && !owner.module().id().equals(module.id())) {
                return false; // two modules agree: the first one keeps the field
            }
            String who = owner.module().id().equals(module.id())
                    ? "isolation module " + module.id() + " sets " + owner.field().pointer() + " and " + field.pointer()
                            + ", which overlap"
                    : "isolation modules " + owner.module().id() + " and " + module.id() + " conflict: "
                            + owner.module().id() + " sets " + describe(owner.field()) + ", " + module.id() + " sets "
                            + describe(field);
            throw new BerthException(ErrorKind.CONFLICT, who);
        }
        owners.put(field.pointer(), new Owner(module, field, value));
        return true;
    }

    private static String describe(SpecField field) {
        String value = field.removes() ? "(left out)" : shorten(field.value());
        return field.pointer() + " to " + value + " (" + field.reason() + ")";
    }

    private static JsonNode parse(ActiveModule module, SpecField field) throws BerthException {
        if (field.removes()) {
            return null;
        }
        try {
            return JSON.readTree(field.value());
        } catch (JsonProcessingException e) {
            throw new BerthException(ErrorKind.INTERNAL, "isolation module " + module.id() + " set " + field.pointer()
                    + " to text that is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void set(ObjectNode spec, ActiveModule module, SpecField field) throws BerthException {
        String[] names = field.pointer().substring(1).split("/");
        ObjectNode parent = spec;
        for (int i = 0; i < names.length - 1; i++) {
            JsonNode child = parent.get(names[i]);
            if (child == null || child.isNull()) {
                if (field.removes()) {
                    return; // nothing there to leave out
                }
                child = parent.putObject(names[i]);
            }
            if (!child.isObject()) {
                throw new BerthException(ErrorKind.INTERNAL, "isolation module " + module.id() + " sets "
                        + field.pointer() + ", but " + names[i] + " in the spec is not an object");
            }
            parent = (ObjectNode) child;
        }
        String last = names[names.length - 1];
        if (field.removes()) {
            parent.remove(last);
        } else {
            parent.set(last, parse(module, field));
        }
    }

    private static String volume(VolumeMount volume) {
        return volume.source() + ":" + volume.target() + ":" + (volume.readOnly() ? "ro" : "rw")
                + (volume.relabel() == null ? "" : "," + volume.relabel());
    }
}
