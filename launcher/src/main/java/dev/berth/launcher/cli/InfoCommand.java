package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.launcher.OptionParser;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code berth info}: system-wide information from {@code GET /v1/info}, printed in sections like
 * {@code docker info}. Fields it does not know are ignored, missing ones shown as {@code unknown}.
 */
final class InfoCommand extends JsonQueryCommand {

    InfoCommand() {
        super("info", "show system-wide information",
                "Show system-wide information: the daemon, its event log, kernel and cgroups, security\n"
                        + "features and the container runtimes it found.", "/v1/info");
    }

    @Override
    void render(JsonNode info, PrintStream out) {
        print(info, out);
    }

    /** Prints the info object in sections. */
    static void print(JsonNode info, PrintStream out) {
        JsonNode bundles = info.path("bundles");
        new KeyValueSection("Server")
                .add("Version", text(info, "berthVersion"))
                .add("API", text(info, "api"))
                .add("PID", text(info, "pid"))
                .add("Started at", text(info, "startedAt"))
                .add("Root dir", text(info, "root"))
                .add("Run dir", text(info, "runDir"))
                .add("Bundles", bundles.isObject()
                        ? text(bundles, "total") + " (" + text(bundles, "active") + " active)" : "unknown")
                .print(out);
        out.println();

        JsonNode log = info.path("eventLog");
        JsonNode head = log.path("head");
        String headText;
        if (head.isObject() && head.has("sequence")) {
            headText = "#" + text(head, "sequence") + " " + text(head, "hash") + " at " + text(head, "time");
        } else if (log.isObject()) {
            headText = "empty log";
        } else {
            headText = "unknown";
        }
        new KeyValueSection("Event log")
                .add("Chain head", headText)
                .add("Segments", text(log, "segments"))
                .add("Size", log.path("bytes").canConvertToLong() ? bytes(log.path("bytes").asLong()) : "unknown")
                .print(out);
        out.println();

        JsonNode cgroup = info.path("cgroup");
        KeyValueSection kernel = new KeyValueSection("Kernel and cgroups")
                .add("Operating system", text(info, "os"))
                .add("Kernel", text(info, "kernel"))
                .add("Cgroup mode", text(cgroup, "mode"));
        if (cgroup.hasNonNull("unifiedMount")) {
            kernel.add("Cgroup v2 mount", text(cgroup, "unifiedMount"));
        }
        if (cgroup.path("unifiedControllers").isArray()) {
            kernel.add("Cgroup v2 controllers", join(cgroup.path("unifiedControllers")));
        }
        kernel.add("Overlayfs", yesNo(info.path("overlayfs").path("supported"), "supported", "not supported"))
                .print(out);
        out.println();

        JsonNode userns = info.path("userNamespaces");
        String usernsText = yesNo(userns.path("supported"), "supported", "not supported");
        if (userns.path("max").canConvertToLong()) {
            usernsText += " (max " + userns.path("max").asLong() + ")";
        }
        new KeyValueSection("Security")
                .add("SELinux", text(info.path("selinux"), "state"))
                .add("User namespaces", usernsText)
                .print(out);
        out.println();

        JsonNode containers = info.path("containers");
        String defaultRuntime = containers.path("defaultRuntime").asText("");
        if (containers.isObject()) {
            JsonNode counts = containers.path("containers");
            new KeyValueSection("Containers")
                    .add("Containers", text(counts, "total") + " (" + text(counts, "running") + " running)")
                    .add("Snapshotter", containers.hasNonNull("snapshotter") ? text(containers, "snapshotter")
                            : "none active" + (containers.hasNonNull("snapshotterError")
                                    ? ": " + text(containers, "snapshotterError") : ""))
                    .add("Default runtime", defaultRuntime.isEmpty() ? "unknown" : defaultRuntime)
                    .print(out);
            out.println();
        }

        // The runtime plugins' own view when they are active, else what the host probe found.
        JsonNode plugins = containers.path("runtimePlugins");
        boolean fromPlugins = plugins.isArray() && !plugins.isEmpty();
        out.println(fromPlugins ? "Runtimes (plugins):" : "Runtimes (found on the host; no runtime plugin is active):");
        JsonNode runtimes = fromPlugins ? plugins : info.path("runtimes");
        if (!runtimes.isArray() || runtimes.isEmpty()) {
            out.println(" none found");
            return;
        }
        TextTable table = new TextTable(" NAME", "VERSION", "PATH", "USABLE");
        for (JsonNode runtime : runtimes) {
            String usable;
            JsonNode flag = runtime.path("usable");
            if (flag.isBoolean() && flag.asBoolean()) {
                usable = "yes";
            } else if (flag.isBoolean()) {
                usable = "no" + (runtime.hasNonNull("reason") ? ": " + runtime.path("reason").asText() : "");
            } else {
                usable = "unknown";
            }
            String name = text(runtime, "name") + (name(runtime).equals(defaultRuntime) ? " (default)" : "");
            table.add(" " + name, text(runtime, "version"), text(runtime, "path"), usable);
        }
        table.print(out);
    }

    private static String name(JsonNode runtime) {
        return runtime.path("name").asText("");
    }

    private static String text(JsonNode node, String field) {
        return JsonText.of(node, field);
    }

    private static String yesNo(JsonNode flag, String yes, String no) {
        return flag.isBoolean() ? (flag.asBoolean() ? yes : no) : "unknown";
    }

    private static String join(JsonNode array) {
        List<String> items = new ArrayList<>();
        array.forEach(item -> items.add(item.asText()));
        return items.isEmpty() ? "none" : String.join(", ", items);
    }

    /** {@code 1536} as {@code 1.5 KiB (1536 bytes)}. */
    static String bytes(long count) {
        if (count < 1024) {
            return count + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = count;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s (%d bytes)", value, units[unit], count);
    }
}
