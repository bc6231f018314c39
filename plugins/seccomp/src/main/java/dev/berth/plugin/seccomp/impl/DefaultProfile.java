package dev.berth.plugin.seccomp.impl;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Berth's default seccomp profile for one container, in Docker's approach: every call fails with EPERM
 * unless allowed; allowed are the known calls minus a documented block list ({@link SyscallTable}), plus
 * the blocked calls a capability in the container's bounding set unlocks ({@code unlocks.txt}); {@code clone}
 * is allowed only without namespace flags unless CAP_SYS_ADMIN lifts that filter, and {@code clone3} answers
 * ENOSYS so the C library falls back to {@code clone}. Built per container (a few hundred names, cheap);
 * immutable.
 */
final class DefaultProfile {
    /** EPERM: what a blocked call returns, as a process without the privilege would see. */
    static final int EPERM = 1;
    /** ENOSYS: "not implemented", which makes glibc 2.34+ and musl retry clone3 as clone. */
    static final int ENOSYS = 38;
    /**
     * The namespace flags of clone(2): CLONE_NEWNS 0x00020000, CLONE_NEWCGROUP 0x02000000, CLONE_NEWUTS
     * 0x04000000, CLONE_NEWIPC 0x08000000, CLONE_NEWUSER 0x10000000, CLONE_NEWPID 0x20000000 and
     * CLONE_NEWNET 0x40000000 (CLONE_NEWTIME, 0x80, is the exit signal's byte in clone and valid only in
     * clone3 and unshare).
     */
    static final long NAMESPACE_FLAGS = 0x7E020000L;

    private final String json;
    private final String summary;

    /** The profile for a host of {@code arch} and a container whose bounding set is {@code bounding}. */
    DefaultProfile(SyscallTable table, HostArch arch, BoundingSet bounding) {
        Map<String, List<String>> unlocked = table.unlockedBy(bounding.capabilities());
        List<String> extra = new ArrayList<>();
        unlocked.values().forEach(extra::addAll);
        boolean anyClone = extra.remove(SyscallTable.CLONE);

        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode profile = f.objectNode();
        profile.put("defaultAction", "SCMP_ACT_ERRNO");
        profile.put("defaultErrnoRet", EPERM);
        ArrayNode architectures = profile.putArray("architectures");
        arch.architectures().forEach(architectures::add);
        ArrayNode syscalls = profile.putArray("syscalls");

        ObjectNode allow = syscalls.addObject();
        ArrayNode names = allow.putArray("names");
        List<String> allowed = table.allowed();
        allowed.forEach(names::add);
        extra.forEach(names::add);
        allow.put("action", "SCMP_ACT_ALLOW");

        ObjectNode clone = syscalls.addObject();
        clone.putArray("names").add(SyscallTable.CLONE);
        clone.put("action", "SCMP_ACT_ALLOW");
        if (!anyClone) {
            // clone's flags are its first argument on x86 and arm, 32 and 64 bit: allowed when no namespace flag is set.
            ObjectNode arg = clone.putArray("args").addObject();
            arg.put("index", 0);
            arg.put("value", NAMESPACE_FLAGS);
            arg.put("valueTwo", 0);
            arg.put("op", "SCMP_CMP_MASKED_EQ");
        }

        ObjectNode clone3 = syscalls.addObject();
        clone3.putArray("names").add(SyscallTable.CLONE3);
        clone3.put("action", "SCMP_ACT_ERRNO");
        clone3.put("errnoRet", ENOSYS);

        this.json = profile.toString();
        String head = "Berth's default seccomp profile for " + arch.nativeArch() + ": " + allowed.size() + " of "
                + table.known().size() + " known system calls allowed, ";
        if (unlocked.isEmpty()) {
            this.summary = head + table.blocked().size() + " blocked with EPERM (modules, kexec, mounts, namespaces,"
                    + " ptrace, keyrings, bpf, clock, io_uring), clone only without namespace flags, clone3 answers ENOSYS";
        } else {
            // "plus mount, umount, ..., clone with namespace flags, ... for CAP_SYS_ADMIN; plus ptrace, ... for CAP_SYS_PTRACE"
            String plus = unlocked.entrySet().stream().map(e -> "plus " + e.getValue().stream()
                    .map(name -> name.equals(SyscallTable.CLONE) ? "clone with namespace flags" : name)
                    .collect(Collectors.joining(", ")) + " for " + e.getKey()).collect(Collectors.joining("; "));
            this.summary = head + plus + "; " + (table.blocked().size() - extra.size()) + " still blocked with EPERM"
                    + (anyClone ? "" : ", clone only without namespace flags") + ", clone3 answers ENOSYS";
        }
    }

    /** The profile as JSON text for {@code /linux/seccomp}. */
    String json() {
        return json;
    }

    /** The audit line: what the profile allows and blocks, with counts, and what each capability unlocked. */
    String summary() {
        return summary;
    }
}
