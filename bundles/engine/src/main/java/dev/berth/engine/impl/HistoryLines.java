package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.image.ImageReference;
import java.util.ArrayList;
import java.util.List;

/**
 * One event of a history in words: a first line saying what happened, then detail lines (which isolation
 * module set which spec field and why). Reads the payload as JSON, so every version of a type that kept
 * the field names reads; an unknown type falls back to its payload. Stateless.
 */
final class HistoryLines {
    private HistoryLines() {
    }

    /** The lines for one event of {@code type} with {@code payload}. */
    static List<String> describe(String type, JsonNode payload) {
        List<String> lines = new ArrayList<>();
        lines.add(summary(type, payload));
        if (type.equals("spec.generated")) {
            for (JsonNode module : payload.path("modules")) {
                for (JsonNode field : module.path("fields")) {
                    lines.add("  " + module.path("id").asText() + " " + module.path("version").asText() + " set "
                            + field.path("pointer").asText() + " = " + field.path("value").asText() + ": "
                            + field.path("reason").asText());
                }
                for (JsonNode note : module.path("notes")) {
                    lines.add("  " + module.path("id").asText() + ": " + note.asText());
                }
            }
        }
        return lines;
    }

    private static String summary(String type, JsonNode p) {
        return switch (type) {
            case "pull.requested" -> "pull of " + t(p, "reference") + " requested (platform " + t(p, "platform") + ")";
            case "manifest.resolved" -> t(p, "reference") + " resolved to " + t(p, "digest") + " ("
                    + t(p, "mediaType") + ", " + t(p, "platform") + ")";
            case "blob.fetched" -> "blob " + t(p, "digest") + " fetched, " + p.path("size").asLong() + " bytes from "
                    + (p.hasNonNull("registry") ? t(p, "registry") : t(p, "source")) + " in "
                    + p.path("millis").asLong() + " ms";
            case "blob.rejected" -> "blob " + t(p, "digest") + " from " + t(p, "registry") + " rejected: "
                    + t(p, "reason");
            case "pull.failed" -> "pull of " + t(p, "reference") + " failed: " + t(p, "reason");
            case "image.pulled" -> "pulled " + t(p, "reference") + " as " + t(p, "manifestDigest") + " ("
                    + p.path("layers").size() + " layers, " + p.path("size").asLong() + " bytes, "
                    + t(p, "platform") + ") from " + registry(t(p, "reference"));
            case "image.loaded" -> "loaded " + t(p, "manifestDigest") + " from archive " + t(p, "archive") + " ("
                    + p.path("layers").size() + " layers)";
            case "layer.expanded" -> "layer " + t(p, "layerDigest") + " expanded into snapshot " + t(p, "chainId")
                    + " (" + p.path("entries").asLong() + " entries, " + p.path("bytes").asLong() + " bytes, "
                    + p.path("millis").asLong() + " ms)";
            case "image.tagged" -> "tagged " + t(p, "reference") + " -> " + t(p, "manifestDigest");
            case "image.untagged" -> "untagged " + t(p, "reference") + " (was " + t(p, "manifestDigest") + ")";
            case "image.removed" -> "image " + t(p, "manifestDigest") + " removed";
            case "rootfs.mounted" -> "root filesystem mounted by " + t(p, "snapshotter") + " at " + t(p, "rootfs")
                    + " (" + p.path("layers").asInt() + " layers)";
            case "rootfs.unmounted" -> "root filesystem unmounted by " + t(p, "snapshotter") + ": " + t(p, "reason");
            case "spec.generated" -> "spec " + t(p, "digest") + " generated: runs " + p.path("args") + " as "
                    + p.path("uid").asInt() + ":" + p.path("gid").asInt() + " in " + t(p, "cwd") + modules(p);
            case "container.created" -> "created " + t(p, "name") + " from " + t(p, "image") + " ("
                    + t(p, "imageDigest") + "), runtime " + t(p, "runtime")
                    + (p.path("autoRemove").asBoolean() ? ", removed when it exits" : "");
            case "container.started" -> "started by " + t(p, "runtime") + ", pid " + p.path("pid").asInt();
            case "container.execd" -> "exec " + t(p, "execId") + ": " + p.path("args") + " as "
                    + (p.hasNonNull("user") && !p.path("user").asText().isEmpty() ? t(p, "user") : "the container's user")
                    + (p.path("tty").asBoolean() ? " with a terminal" : "");
            case "container.oom" -> "out of memory: " + p.path("count").asLong() + " kill(s) seen by " + t(p, "module")
                    + (p.hasNonNull("detail") ? " (" + t(p, "detail") + ")" : "");
            case "container.killed" -> "signal " + p.path("signal").asInt() + " sent: " + t(p, "reason");
            case "container.exited" -> "exited with code " + p.path("exitCode").asInt()
                    + (p.path("signal").asInt() != 0 ? " (signal " + p.path("signal").asInt() + ")" : "")
                    + (p.path("oomKilled").asBoolean() ? ", killed for lack of memory" : "")
                    + (p.hasNonNull("reason") && !p.path("reason").asText().isEmpty() ? ": " + t(p, "reason") : "");
            case "container.removed" -> "removed " + t(p, "name")
                    + (p.hasNonNull("reason") && !p.path("reason").asText().isEmpty() ? ": " + t(p, "reason") : "");
            case "plugin.installed" -> "installed " + t(p, "kind") + " plugin " + t(p, "version") + " from "
                    + t(p, "location");
            case "plugin.updated" -> "updated " + t(p, "fromVersion") + " -> " + t(p, "toVersion") + " from "
                    + t(p, "location");
            case "plugin.started" -> "started " + t(p, "version");
            case "plugin.stopped" -> "stopped " + t(p, "version");
            case "plugin.uninstalled" -> "uninstalled " + t(p, "version");
            case "plugin.failed" -> "failed " + t(p, "version")
                    + (p.hasNonNull("stage") ? " in stage " + t(p, "stage") : "") + ": " + t(p, "reason");
            case "plugin.swapped" -> "now serves stage " + t(p, "stage") + " (" + t(p, "version") + ")"
                    + (p.hasNonNull("from") ? ", instead of " + t(p, "from") : "");
            case "plugin.disabled" -> "disabled " + t(p, "version");
            case "plugin.enabled" -> "enabled " + t(p, "version");
            case "runtime.default.changed" -> "default runtime is now " + t(p, "runtime")
                    + (p.hasNonNull("previous") ? " (was " + t(p, "previous") + ")" : "");
            case "note.added" -> "note: " + t(p, "message");
            case "image.committed" -> "committed container " + t(p, "containerId") + " as " + t(p, "manifestDigest")
                    + " on top of " + t(p, "baseManifest") + " (" + p.path("layers").size() + " layers)"
                    + words(p, "comment", ", message ") + words(p, "author", ", author ")
                    + (p.path("changes").isEmpty() ? "" : ", changes " + p.path("changes"));
            case "image.imported" -> "imported " + t(p, "source") + " as " + t(p, "manifestDigest") + " ("
                    + t(p, "platform") + ")" + words(p, "comment", ", message ")
                    + (p.path("changes").isEmpty() ? "" : ", changes " + p.path("changes"));
            case "container.exported" -> "exported to " + t(p, "target") + " (" + p.path("entries").asLong()
                    + " entries, " + p.path("bytes").asLong() + " bytes)";
            case "container.paused" -> "paused for " + t(p, "reason");
            case "container.unpaused" -> "unpaused after " + t(p, "reason");
            case "blob.pushed" -> "blob " + t(p, "digest") + " " + switch (p.path("how").asText()) {
                case "exists" -> "already in " + t(p, "repository");
                case "mounted" -> "mounted into " + t(p, "repository") + " from " + t(p, "from");
                default -> "uploaded to " + t(p, "repository") + ", " + p.path("size").asLong() + " bytes in "
                        + p.path("millis").asLong() + " ms";
            };
            case "image.pushed" -> "pushed " + t(p, "manifestDigest") + " as " + t(p, "reference") + " ("
                    + p.path("uploaded").asInt() + " blobs uploaded, " + p.path("existing").asInt() + " there already, "
                    + p.path("mounted").asInt() + " mounted; " + p.path("bytesSent").asLong() + " bytes sent)";
            case "push.failed" -> "push of " + t(p, "reference") + " failed: " + t(p, "reason");
            default -> type + " " + p;
        };
    }

    private static String modules(JsonNode p) {
        List<String> names = new ArrayList<>();
        for (JsonNode module : p.path("modules")) {
            names.add(module.path("id").asText() + " " + module.path("version").asText());
        }
        return names.isEmpty() ? "" : "; isolation by " + String.join(", ", names);
    }

    /** The registry of a reference as the log stored it; the reference itself when it does not parse. */
    static String registry(String reference) {
        try {
            return ImageReference.parse(reference).registry();
        } catch (IllegalArgumentException e) {
            return reference;
        }
    }

    /** {@code prefix} and the field's text, or nothing when the field is empty. */
    private static String words(JsonNode payload, String field, String prefix) {
        String text = payload.path(field).asText("");
        return text.isEmpty() ? "" : prefix + "\"" + text + "\"";
    }

    private static String t(JsonNode payload, String field) {
        JsonNode value = payload.path(field);
        return value.isMissingNode() || value.isNull() ? "-" : value.asText();
    }
}
