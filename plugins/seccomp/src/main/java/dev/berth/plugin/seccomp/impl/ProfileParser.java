package dev.berth.plugin.seccomp.impl;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a seccomp profile a user gave and turns it into the OCI runtime spec's {@code linux.seccomp}
 * object, refusing anything it does not understand with the place and the problem. Two shapes are read:
 * the OCI one ({@code defaultAction}, {@code defaultErrnoRet}, {@code architectures}, {@code flags},
 * {@code listenerPath}, {@code listenerMetadata}, {@code syscalls[{names, action, errnoRet, args}]}) and
 * Docker's, which adds {@code archMap} (the entry for the host's architecture becomes
 * {@code architectures}: it and its {@code subArchitectures}), a singular {@code name}, {@code comment},
 * and per-rule {@code includes}/{@code excludes} conditions. Conditions are decided here, once:
 * {@code arches} against the host, {@code minKernel} against the running kernel, and {@code caps}
 * against the container's capability bounding set given to {@link #parse} (as Docker: every capability
 * of {@code includes.caps} must be in it, any one of {@code excludes.caps} leaves the rule out). Thread-safe.
 */
final class ProfileParser {
    /** Longest profile text read: Docker's own default profile is about 20 KB. */
    static final int MAX_CHARS = 1 << 20;
    static final int MAX_RULES = 4096;
    static final int MAX_NAMES = 2048;
    /** A system call has at most six arguments. */
    static final int MAX_ARGS = 6;

    static final Set<String> ACTIONS = Set.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY");
    static final Set<String> ARCHES = Set.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
            "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
            "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
            "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH",
            "SCMP_ARCH_SHEB", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64");
    static final Set<String> FLAGS = Set.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    static final Set<String> OPERATORS = Set.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
            "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");

    private static final Set<String> TOP = Set.of("defaultAction", "defaultErrnoRet", "architectures", "archMap",
            "flags", "listenerPath", "listenerMetadata", "syscalls");
    private static final Set<String> RULE = Set.of("names", "name", "action", "errnoRet", "args", "comment",
            "includes", "excludes");
    private static final Set<String> ARG = Set.of("index", "value", "valueTwo", "op");
    private static final Set<String> ARCH_MAP = Set.of("architecture", "subArchitectures");
    private static final Set<String> FILTER = Set.of("caps", "arches", "minKernel");
    private static final Pattern SYSCALL = Pattern.compile("[a-z_][a-z0-9_]{0,63}");
    private static final Pattern KERNEL = Pattern.compile("(\\d{1,5})\\.(\\d{1,5})(?:\\.\\d{1,5})?");
    private static final Pattern RELEASE = Pattern.compile("(\\d+)\\.(\\d+).*", Pattern.DOTALL);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final long UINT32_MAX = 0xFFFF_FFFFL;

    private final ObjectMapper mapper = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final Optional<HostArch> arch;
    private final int[] kernel;
    private final Set<String> knownSyscalls;

    /**
     * What a profile became: the OCI {@code json}, the rules kept and left out, names not in the table, and
     * whether any rule had a {@code caps} condition ({@code judgedCapabilities}).
     */
    record Parsed(String json, String defaultAction, int rules, int rulesLeftOut, List<String> unknownNames,
            boolean judgedCapabilities) {
        Parsed {
            unknownNames = List.copyOf(unknownNames);
        }
    }

    /**
     * A parser for a host of architecture {@code arch} (empty when not one this module knows) running the
     * kernel {@code kernelRelease} ({@code 6.1.0-18-amd64}); {@code knownSyscalls} only serves notes.
     */
    ProfileParser(Optional<HostArch> arch, String kernelRelease, Set<String> knownSyscalls) {
        this.arch = arch;
        Matcher m = RELEASE.matcher(kernelRelease);
        this.kernel = m.matches() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))}
                : new int[] {0, 0};
        this.knownSyscalls = Set.copyOf(knownSyscalls);
    }

    /**
     * Reads {@code text} for a container whose capability bounding set is {@code capabilities} (canonical
     * names), against which {@code includes.caps} and {@code excludes.caps} are judged.
     */
    Parsed parse(String text, Set<String> capabilities) throws ProfileException {
        if (text.length() > MAX_CHARS) {
            throw new ProfileException("profile", "longer than " + MAX_CHARS + " characters");
        }
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonParseException e) {
            throw new ProfileException("profile", "not JSON at line " + e.getLocation().getLineNr() + " column "
                    + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ProfileException("profile", "not JSON: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new ProfileException("profile", "empty");
        }
        object(root, "profile", TOP);

        ObjectNode out = JsonNodeFactory.instance.objectNode();
        String defaultAction = action(required(root, "defaultAction", "profile"), "defaultAction");
        out.put("defaultAction", defaultAction);
        if (root.has("defaultErrnoRet")) {
            errnoAllowed(defaultAction, "defaultErrnoRet");
            out.put("defaultErrnoRet", uint32(root.get("defaultErrnoRet"), "defaultErrnoRet"));
        }
        List<String> architectures = architectures(root);
        if (!architectures.isEmpty()) {
            ArrayNode a = out.putArray("architectures");
            architectures.forEach(a::add);
        }
        if (root.has("flags")) {
            ArrayNode flags = out.putArray("flags");
            for (String flag : strings(root.get("flags"), "flags")) {
                flags.add(oneOf(flag, FLAGS, "flags", "a seccomp filter flag"));
            }
        }
        for (String member : List.of("listenerPath", "listenerMetadata")) {
            if (root.has(member)) {
                out.put(member, text(root.get(member), member));
            }
        }
        boolean notifies = defaultAction.equals("SCMP_ACT_NOTIFY");

        ArrayNode rules = out.putArray("syscalls");
        int leftOut = 0;
        boolean judgedCapabilities = false;
        Set<String> unknown = new LinkedHashSet<>();
        if (root.has("syscalls")) {
            JsonNode syscalls = root.get("syscalls");
            if (!syscalls.isArray()) {
                throw new ProfileException("syscalls", "must be an array of rules, not " + kind(syscalls));
            }
            if (syscalls.size() > MAX_RULES) {
                throw new ProfileException("syscalls", syscalls.size() + " rules, more than " + MAX_RULES);
            }
            for (int i = 0; i < syscalls.size(); i++) {
                String where = "syscalls[" + i + "]";
                JsonNode rule = syscalls.get(i);
                object(rule, where, RULE);
                List<String> names = names(rule, where);
                String action = action(required(rule, "action", where), where + ".action");
                notifies |= action.equals("SCMP_ACT_NOTIFY");
                ObjectNode kept = JsonNodeFactory.instance.objectNode();
                ArrayNode n = kept.putArray("names");
                names.forEach(n::add);
                kept.put("action", action);
                if (rule.has("errnoRet")) {
                    errnoAllowed(action, where + ".errnoRet");
                    kept.put("errnoRet", uint32(rule.get("errnoRet"), where + ".errnoRet"));
                }
                if (rule.has("args")) {
                    kept.set("args", args(rule.get("args"), where + ".args"));
                }
                if (rule.has("comment")) {
                    text(rule.get("comment"), where + ".comment");
                }
                boolean applies = includes(rule.get("includes"), where + ".includes", capabilities)
                        & !excludes(rule.get("excludes"), where + ".excludes", capabilities);
                judgedCapabilities |= hasCaps(rule.get("includes")) || hasCaps(rule.get("excludes"));
                if (applies) {
                    rules.add(kept);
                    for (String name : names) {
                        if (!knownSyscalls.contains(name)) {
                            unknown.add(name);
                        }
                    }
                } else {
                    leftOut++;
                }
            }
        }
        if (notifies && !root.has("listenerPath")) {
            throw new ProfileException("listenerPath", "SCMP_ACT_NOTIFY needs a listenerPath to send notifications to");
        }
        return new Parsed(out.toString(), defaultAction, rules.size(), leftOut, new ArrayList<>(unknown),
                judgedCapabilities);
    }

    private List<String> architectures(JsonNode root) throws ProfileException {
        if (root.has("architectures") && root.has("archMap")) {
            throw new ProfileException("archMap", "give architectures or archMap, not both");
        }
        List<String> out = new ArrayList<>();
        if (root.has("architectures")) {
            for (String a : strings(root.get("architectures"), "architectures")) {
                out.add(oneOf(a, ARCHES, "architectures", "a seccomp architecture"));
            }
        }
        if (root.has("archMap")) {
            JsonNode map = root.get("archMap");
            if (!map.isArray()) {
                throw new ProfileException("archMap", "must be an array, not " + kind(map));
            }
            for (int i = 0; i < map.size(); i++) {
                String where = "archMap[" + i + "]";
                JsonNode entry = map.get(i);
                object(entry, where, ARCH_MAP);
                String native_ = oneOf(text(required(entry, "architecture", where), where + ".architecture"), ARCHES,
                        where + ".architecture", "a seccomp architecture");
                List<String> subs = new ArrayList<>();
                if (entry.has("subArchitectures")) {
                    for (String sub : strings(entry.get("subArchitectures"), where + ".subArchitectures")) {
                        subs.add(oneOf(sub, ARCHES, where + ".subArchitectures", "a seccomp architecture"));
                    }
                }
                if (arch.isPresent() && arch.get().nativeArch().equals(native_) && out.isEmpty()) {
                    out.add(native_);
                    out.addAll(subs);
                }
            }
        }
        return out;
    }

    private static List<String> names(JsonNode rule, String where) throws ProfileException {
        if (rule.has("name") && rule.has("names")) {
            throw new ProfileException(where + ".name", "give names or name, not both");
        }
        List<String> names;
        if (rule.has("name")) {
            names = List.of(text(rule.get("name"), where + ".name"));
        } else {
            names = strings(required(rule, "names", where), where + ".names");
        }
        if (names.isEmpty()) {
            throw new ProfileException(where + ".names", "names no system call");
        }
        if (names.size() > MAX_NAMES) {
            throw new ProfileException(where + ".names", names.size() + " names, more than " + MAX_NAMES);
        }
        for (int i = 0; i < names.size(); i++) {
            if (!SYSCALL.matcher(names.get(i)).matches()) {
                throw new ProfileException(where + ".names[" + i + "]", quote(names.get(i))
                        + " is not a system call name (lower-case letters, digits and _)");
            }
        }
        return names;
    }

    private static ArrayNode args(JsonNode args, String where) throws ProfileException {
        if (!args.isArray()) {
            throw new ProfileException(where, "must be an array, not " + kind(args));
        }
        if (args.size() > MAX_ARGS) {
            throw new ProfileException(where, args.size() + " conditions, more than " + MAX_ARGS);
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < args.size(); i++) {
            String at = where + "[" + i + "]";
            JsonNode arg = args.get(i);
            object(arg, at, ARG);
            ObjectNode o = out.addObject();
            long index = uint32(required(arg, "index", at), at + ".index");
            if (index >= MAX_ARGS) {
                throw new ProfileException(at + ".index", index + " is beyond a system call's six arguments (0 to 5)");
            }
            o.put("index", index);
            o.put("value", uint64(required(arg, "value", at), at + ".value"));
            if (arg.has("valueTwo")) {
                o.put("valueTwo", uint64(arg.get("valueTwo"), at + ".valueTwo"));
            }
            o.put("op", oneOf(text(required(arg, "op", at), at + ".op"), OPERATORS, at + ".op", "a comparison"));
        }
        return out;
    }

    /** Whether a Docker {@code includes} condition holds (absent: yes). */
    private boolean includes(JsonNode filter, String where, Set<String> capabilities) throws ProfileException {
        if (filter == null) {
            return true;
        }
        object(filter, where, FILTER);
        boolean holds = true;
        if (filter.has("caps")) {
            for (String cap : caps(filter.get("caps"), where + ".caps")) {
                holds &= capabilities.contains(cap);
            }
        }
        if (filter.has("arches")) {
            List<String> arches = strings(filter.get("arches"), where + ".arches");
            holds &= arch.isPresent() && arches.contains(arch.get().goArch());
        }
        if (filter.has("minKernel")) {
            String min = text(filter.get("minKernel"), where + ".minKernel");
            Matcher m = KERNEL.matcher(min);
            if (!m.matches()) {
                throw new ProfileException(where + ".minKernel", quote(min) + " is not a kernel version like 4.8");
            }
            int major = Integer.parseInt(m.group(1));
            int minor = Integer.parseInt(m.group(2));
            holds &= kernel[0] > major || kernel[0] == major && kernel[1] >= minor;
        }
        return holds;
    }

    /** Whether a Docker {@code excludes} condition holds (absent: no). */
    private boolean excludes(JsonNode filter, String where, Set<String> capabilities) throws ProfileException {
        if (filter == null) {
            return false;
        }
        object(filter, where, FILTER);
        if (filter.has("minKernel")) {
            throw new ProfileException(where + ".minKernel", "not supported in excludes (use includes.minKernel)");
        }
        boolean holds = false;
        if (filter.has("caps")) {
            for (String cap : caps(filter.get("caps"), where + ".caps")) {
                holds |= capabilities.contains(cap);
            }
        }
        if (filter.has("arches")) {
            holds |= arch.isPresent() && strings(filter.get("arches"), where + ".arches").contains(arch.get().goArch());
        }
        return holds;
    }

    private static boolean hasCaps(JsonNode filter) {
        return filter != null && filter.has("caps");
    }

    private static List<String> caps(JsonNode caps, String where) throws ProfileException {
        List<String> out = new ArrayList<>();
        List<String> given = strings(caps, where);
        for (int i = 0; i < given.size(); i++) {
            String name = given.get(i).toUpperCase(java.util.Locale.ROOT);
            name = name.startsWith("CAP_") ? name : "CAP_" + name;
            if (dev.berth.api.isolation.Capabilities.bit(name) < 0) {
                throw new ProfileException(where + "[" + i + "]", quote(given.get(i)) + " is not a capability");
            }
            out.add(name);
        }
        return out;
    }

    private static String action(JsonNode node, String where) throws ProfileException {
        return oneOf(text(node, where), ACTIONS, where, "a seccomp action");
    }

    private static void errnoAllowed(String action, String where) throws ProfileException {
        if (!action.equals("SCMP_ACT_ERRNO") && !action.equals("SCMP_ACT_TRACE")) {
            throw new ProfileException(where, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno, not " + action);
        }
    }

    private static void object(JsonNode node, String where, Set<String> members) throws ProfileException {
        if (!node.isObject()) {
            throw new ProfileException(where, "must be an object, not " + kind(node));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            String name = it.next().getKey();
            if (!members.contains(name)) {
                throw new ProfileException(where, "unknown field " + quote(name) + " (known: "
                        + String.join(", ", members.stream().sorted().toList()) + ")");
            }
        }
    }

    private static JsonNode required(JsonNode node, String member, String where) throws ProfileException {
        JsonNode value = node.get(member);
        if (value == null || value.isNull()) {
            throw new ProfileException(where, "has no " + member);
        }
        return value;
    }

    private static String text(JsonNode node, String where) throws ProfileException {
        if (!node.isTextual()) {
            throw new ProfileException(where, "must be a string, not " + kind(node));
        }
        return node.textValue();
    }

    private static List<String> strings(JsonNode node, String where) throws ProfileException {
        if (!node.isArray()) {
            throw new ProfileException(where, "must be an array of strings, not " + kind(node));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            out.add(text(node.get(i), where + "[" + i + "]"));
        }
        return out;
    }

    private static String oneOf(String value, Set<String> allowed, String where, String what)
            throws ProfileException {
        if (!allowed.contains(value)) {
            throw new ProfileException(where, quote(value) + " is not " + what + " ("
                    + String.join(", ", allowed.stream().sorted().toList()) + ")");
        }
        return value;
    }

    private static long uint32(JsonNode node, String where) throws ProfileException {
        if (!node.isIntegralNumber() || node.bigIntegerValue().signum() < 0
                || node.bigIntegerValue().compareTo(BigInteger.valueOf(UINT32_MAX)) > 0) {
            throw new ProfileException(where, "must be a whole number from 0 to " + UINT32_MAX + ", not "
                    + abbreviate(node.toString()));
        }
        return node.longValue();
    }

    private static BigInteger uint64(JsonNode node, String where) throws ProfileException {
        if (!node.isIntegralNumber() || node.bigIntegerValue().signum() < 0
                || node.bigIntegerValue().compareTo(UINT64_MAX) > 0) {
            throw new ProfileException(where, "must be a whole number from 0 to " + UINT64_MAX + ", not "
                    + abbreviate(node.toString()));
        }
        return node.bigIntegerValue();
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    static String quote(String s) {
        return "\"" + abbreviate(s) + "\"";
    }

    static String abbreviate(String s) {
        String oneLine = s.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
    }
}
