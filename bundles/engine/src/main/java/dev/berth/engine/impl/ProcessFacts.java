package dev.berth.engine.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What /proc says about a container's processes: the namespace inodes of its init process (for
 * {@code berth ps --ns}) and the processes sharing its pid namespace (for {@code berth top}). Stateless.
 */
final class ProcessFacts {
    static final List<String> NAMESPACES = List.of("cgroup", "ipc", "mnt", "net", "pid", "user", "uts");
    private static final long CLOCK_TICKS = 100;

    private final Path proc;

    ProcessFacts(Path proc) {
        this.proc = proc;
    }

    /** The inode number of each namespace of {@code pid}, or null when the process is gone. */
    JsonObject namespaces(int pid) {
        if (pid <= 0) {
            return null;
        }
        JsonObject inodes = new JsonObject();
        for (String ns : NAMESPACES) {
            Long inode = inode(pid, ns);
            if (inode == null) {
                return null;
            }
            inodes.put(ns, inode);
        }
        return inodes;
    }

    private Long inode(int pid, String ns) {
        try {
            // The link reads like "pid:[4026531836]".
            String link = Files.readSymbolicLink(proc.resolve(pid + "/ns/" + ns)).toString();
            int open = link.indexOf('[');
            return Long.parseLong(link.substring(open + 1, link.length() - 1));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code berth top}: every process in the pid namespace of {@code pid}, as PID, USER, TIME, CMD rows. */
    JsonObject top(int pid) throws IOException {
        Long namespace = inode(pid, "pid");
        List<JsonArray> rows = new java.util.ArrayList<>();
        if (namespace != null) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc, "[0-9]*")) {
                for (Path entry : entries) {
                    int candidate = Integer.parseInt(entry.getFileName().toString());
                    if (namespace.equals(inode(candidate, "pid"))) {
                        JsonArray row = row(candidate);
                        if (row != null) {
                            rows.add(row);
                        }
                    }
                }
            }
        }
        rows.sort(java.util.Comparator.comparingInt(r -> Integer.parseInt(r.getString(0))));
        return new JsonObject().put("titles", new JsonArray(List.of("PID", "USER", "TIME", "COMMAND")))
                .put("processes", new JsonArray(new java.util.ArrayList<>(rows)));
    }

    private JsonArray row(int pid) {
        try {
            String uid = "?";
            for (String line : Files.readAllLines(proc.resolve(pid + "/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    uid = line.substring(4).trim().split("\\s+")[0];
                }
            }
            String stat = Files.readString(proc.resolve(pid + "/stat"), StandardCharsets.UTF_8);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            long seconds = ticks / CLOCK_TICKS;
            String time = String.format("%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
            byte[] raw = Files.readAllBytes(proc.resolve(pid + "/cmdline"));
            String command = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
            if (command.isEmpty()) {
                command = "[" + stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')) + "]";
            }
            return new JsonArray(List.of(String.valueOf(pid), uid, time, command));
        } catch (IOException | RuntimeException e) {
            return null; // the process ended while we looked
        }
    }
}
