package dev.berth.plugin.spec.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;

/**
 * Renders an OCI runtime {@code config.json} (ociVersion {@value #OCI_VERSION}) as deterministic bytes:
 * fields in a fixed order, lists whose order means nothing (capabilities, namespaces, masked and
 * read-only paths, groups) sorted, two-space indentation, {@code \n} line ends. Stateless and
 * thread-safe.
 */
final class ConfigJson {
    /** The spec version runc 1.1.5 and crun 1.8.1 both accept. */
    static final String OCI_VERSION = "1.0.2";

    /** Docker's default masked paths, sorted. */
    static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats",
            "/sys/devices/virtual/powercap", "/sys/firmware");
    /** Docker's default read-only paths, sorted. */
    static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private ConfigJson() {
    }

    /**
     * The base spec, before isolation modules add to it: no namespaces and no capabilities of its own
     * (modules give those), Docker's mounts, masked and read-only paths, and a deny-all device rule.
     */
    static ObjectNode base(String rootfs, boolean readOnly, String hostname, ProcessSpec process,
            List<MountEntry> mounts, String cgroupsPath) {
        ObjectNode config = MAPPER.createObjectNode();
        config.put("ociVersion", OCI_VERSION);
        config.set("process", process(process));
        ObjectNode root = config.putObject("root");
        root.put("path", rootfs);
        root.put("readonly", readOnly);
        config.put("hostname", hostname);
        ArrayNode mountArray = config.putArray("mounts");
        for (MountEntry mount : mounts) {
            ObjectNode node = mountArray.addObject();
            node.put("destination", mount.destination());
            node.put("type", mount.type());
            node.put("source", mount.source());
            strings(node.putArray("options"), mount.options());
        }
        config.set("linux", linux(cgroupsPath));
        return config;
    }

    /** The {@code config.json} bytes of {@code config}, ending with a newline. */
    static byte[] render(ObjectNode config) {
        try {
            return (WRITER.writeValueAsString(config) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("render config.json: " + e.getOriginalMessage(), e);
        }
    }

    private static ObjectNode process(ProcessSpec process) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("terminal", process.terminal());
        ObjectNode user = node.putObject("user");
        user.put("uid", process.user().uid());
        user.put("gid", process.user().gid());
        if (!process.user().additionalGids().isEmpty()) {
            ArrayNode gids = user.putArray("additionalGids");
            process.user().additionalGids().forEach(gids::add);
        }
        strings(node.putArray("args"), process.args());
        strings(node.putArray("env"), process.env());
        node.put("cwd", process.cwd());
        ObjectNode capabilities = node.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            capabilities.putArray(set);
        }
        ObjectNode nofile = node.putArray("rlimits").addObject();
        nofile.put("type", "RLIMIT_NOFILE");
        nofile.put("hard", process.nofile());
        nofile.put("soft", process.nofile());
        node.put("noNewPrivileges", false);
        return node;
    }

    private static ObjectNode linux(String cgroupsPath) {
        ObjectNode linux = MAPPER.createObjectNode();
        ObjectNode resources = linux.putObject("resources");
        ObjectNode deny = resources.putArray("devices").addObject();
        deny.put("allow", false);
        deny.put("access", "rwm");
        linux.put("cgroupsPath", cgroupsPath);
        linux.putArray("namespaces");
        strings(linux.putArray("maskedPaths"), MASKED_PATHS);
        strings(linux.putArray("readonlyPaths"), READONLY_PATHS);
        return linux;
    }

    private static void strings(ArrayNode array, Collection<String> values) {
        values.forEach(array::add);
    }
}
