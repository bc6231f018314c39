package dev.berth.plugin.selinux.impl;

import static dev.berth.api.isolation.IsolationModuleContract.refusal;

import dev.berth.api.isolation.IsolationModuleContract.Refusal;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named hostile option sets every SELinux contract run refuses as INVALID, on and off SELinux hosts. */
final class HostileOptions {
    private HostileOptions() {
    }

    static Map<String, Refusal> table() {
        Map<String, Refusal> table = new LinkedHashMap<>();
        label(table, "UnknownKey", "label=nested", "nested");
        label(table, "BareLabel", "label", "label");
        label(table, "UnknownKeyWithValue", "label=mode:permissive", "mode");
        label(table, "EmptyType", "label=type:", "type");
        label(table, "TypeWithColonInjection", "label=type:spc_t:s0", "spc_t:s0");
        label(table, "TypeWithSpace", "label=type:container t", "container t");
        label(table, "TypeWithNewline", "label=type:container_t\nfoo", "label=type:container_t\\u000afoo");
        label(table, "TypePathTraversal", "label=filetype:../../etc", "../../etc");
        label(table, "EmptyUser", "label=user:", "user");
        label(table, "RoleStartsWithDigit", "label=role:1r", "1r");
        label(table, "DisableWithValue", "label=disable:yes", "disable");
        table.put("DisableWithType", refusal("label=disable", "security-opt", "label=disable", "security-opt",
                "label=type:spc_t"));
        label(table, "EmptyLevel", "label=level:", "level");
        label(table, "LevelGarbage", "label=level:high", "high");
        label(table, "LevelCategoryTooBig", "label=level:s0:c1,c1024", "c1024");
        label(table, "LevelDescendingPair", "label=level:s0:c5,c2", "c2");
        label(table, "LevelRepeatedCategory", "label=level:s0:c3,c3", "c3");
        label(table, "LevelDescendingRange", "label=level:s0:c9.c2", "c9.c2");
        label(table, "LevelSensitivityTooHigh", "label=level:s16", "s16");
        label(table, "LevelLeadingZero", "label=level:s0:c01,c2", "c01");
        label(table, "LevelRangeDescending", "label=level:s3-s1", "s1");
        label(table, "LevelTrailingComma", "label=level:s0:c1,", "label=level:s0:c1,");
        label(table, "LevelNegative", "label=level:s0:c-1,c2", "c-1");
        volume(table, "RelabelRoot", "/:/host:rw,z", "/:/host:rw,z");
        volume(table, "RelabelRootDoubleSlash", "//:/host:rw,Z", "relabelling the system path /");
        volume(table, "RelabelUsr", "/usr:/usr:ro,Z", "/usr");
        volume(table, "RelabelInsideUsr", "/usr/lib:/lib:ro,z", "/usr/lib");
        volume(table, "RelabelEtcThroughDotDot", "/srv/../etc:/etc:rw,z", "/etc");
        volume(table, "RelabelEtcTrailingSlash", "/etc/:/etc:rw,z", "/etc");
        volume(table, "RelabelHome", "/home:/home:rw,Z", "/home");
        volume(table, "RelabelAUsersHome", "/home/alice:/h:rw,Z", "/home/alice");
        volume(table, "RelabelVar", "/var:/var:rw,z", "/var");
        volume(table, "RelabelBin", "/bin:/bin:ro,z", "/bin");
        volume(table, "RelabelProcEntry", "/proc/1:/p:ro,z", "/proc/1");
        volume(table, "RelabelSelinuxPolicy", "/etc/selinux/targeted:/p:ro,Z", "/etc/selinux/targeted");
        volume(table, "RelabelBothSharedAndPrivate", "/srv/data:/data:rw,z,Z", "not both");
        volume(table, "RelabelRelativeHostPath", "data:/data:rw,Z", "not absolute");
        return table;
    }

    private static void label(Map<String, Refusal> table, String name, String option, String mentions) {
        table.put(name, refusal(mentions, "security-opt", option));
    }

    private static void volume(Map<String, Refusal> table, String name, String volume, String mentions) {
        table.put(name, refusal(mentions, "volume", volume));
    }
}
