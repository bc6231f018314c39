package dev.berth.dockerapi.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Berth's container answers in Docker's shapes: a {@code ps} entry ({@code GET /containers/json}), the
 * inspect document ({@code GET /containers/{id}/json}), the wait answer, {@code top} and a stats sample.
 * Berth's summary and inspect answers ({@code berth.engine.containers} ops {@code list} and {@code inspect})
 * go in; what Berth does not have is answered with Docker's empty value (no labels, no ports, restart policy
 * "no"), never invented. Stateless and thread-safe.
 */
final class DockerContainerJson {
    /** Docker's zero time, which it shows for "never". */
    static final String ZERO_TIME = "0001-01-01T00:00:00Z";
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)(?:([kmgt])(?:i?b)?|b)?");

    private DockerContainerJson() {
    }

    // ---- list ------------------------------------------------------------------------------------------

    /** One {@code GET /containers/json} entry for Berth's summary {@code c}, its status text as of {@code now}. */
    static JsonObject listEntry(JsonObject c, Instant now) {
        List<String> args = strings(c.getJsonArray("command"));
        return new JsonObject().put("Id", c.getString("id"))
                .put("Names", new JsonArray().add("/" + c.getString("name")))
                .put("Image", c.getString("image"))
                .put("ImageID", c.getString("imageDigest", ""))
                .put("Command", String.join(" ", args))
                .put("Created", seconds(c.getString("created")))
                .put("Ports", new JsonArray())
                .put("Labels", new JsonObject())
                .put("State", state(c.getString("status")))
                .put("Status", statusText(c, now))
                .put("HostConfig", new JsonObject().put("NetworkMode", networkMode(options(c))))
                .put("NetworkSettings", new JsonObject().put("Networks", new JsonObject()))
                .put("Mounts", mounts(options(c)));
    }

    private static JsonObject options(JsonObject c) {
        return c.getJsonObject("options", new JsonObject());
    }

    /** Docker's NetworkMode for these run options: the {@code --network} given, else bridge (its own netns). */
    private static String networkMode(JsonObject options) {
        String network = first(options.getJsonObject("isolation", new JsonObject()), "network");
        return network == null ? "bridge" : network;
    }

    /** Docker's {@code Mounts} for Berth's volumes (bind mounts). */
    private static JsonArray mounts(JsonObject options) {
        JsonArray mounts = new JsonArray();
        for (Object entry : options.getJsonArray("volumes", new JsonArray())) {
            if (entry instanceof JsonObject v) {
                boolean readOnly = v.getBoolean("readOnly", false);
                mounts.add(new JsonObject().put("Type", "bind").put("Source", v.getString("source"))
                        .put("Destination", v.getString("target")).put("Mode", mode(v)).put("RW", !readOnly)
                        .put("Propagation", "rprivate"));
            }
        }
        return mounts;
    }

    /** The mode of one volume as Docker writes it: {@code ro}, the relabel flag, or both. */
    private static String mode(JsonObject volume) {
        boolean readOnly = volume.getBoolean("readOnly", false);
        String relabel = volume.getString("relabel");
        return (readOnly ? "ro" : "") + (relabel == null ? "" : (readOnly ? "," : "") + relabel);
    }

    /** Docker's state word for Berth's status. */
    static String state(String status) {
        return switch (status == null ? "" : status) {
            case "running" -> "running";
            case "exited" -> "exited";
            case "removed" -> "removing";
            default -> "created";
        };
    }

    /** {@code Up 5 seconds}, {@code Exited (3) 2 minutes ago}, {@code Created}, as {@code docker ps} shows them. */
    static String statusText(JsonObject c, Instant now) {
        String status = c.getString("status", "");
        switch (status) {
            case "running" -> {
                Instant started = instant(c.getString("startedAt"));
                return "Up " + humanDuration(started == null ? Duration.ZERO : Duration.between(started, now));
            }
            case "exited" -> {
                Instant finished = instant(c.getString("finishedAt"));
                Integer code = c.getInteger("exitCode");
                return "Exited (" + (code == null ? -1 : code) + ") "
                        + humanDuration(finished == null ? Duration.ZERO : Duration.between(finished, now)) + " ago";
            }
            case "removed" -> {
                return "Removal In Progress";
            }
            default -> {
                return "Created";
            }
        }
    }

    /** A duration in Docker's words: {@code Less than a second}, {@code 5 seconds}, {@code About a minute}, ... */
    static String humanDuration(Duration duration) {
        long seconds = Math.max(0, duration.getSeconds());
        long minutes = duration.toMinutes();
        long hours = duration.toHours();
        if (seconds < 1) {
            return "Less than a second";
        } else if (seconds == 1) {
            return "1 second";
        } else if (seconds < 60) {
            return seconds + " seconds";
        } else if (minutes == 1) {
            return "About a minute";
        } else if (minutes < 60) {
            return minutes + " minutes";
        } else if (hours == 1) {
            return "About an hour";
        } else if (hours < 48) {
            return hours + " hours";
        } else if (hours < 24 * 7 * 2) {
            return hours / 24 + " days";
        } else if (hours < 24 * 30 * 2) {
            return hours / 24 / 7 + " weeks";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 / 30 + " months";
        }
        return hours / 24 / 365 + " years";
    }

    // ---- inspect ---------------------------------------------------------------------------------------

    /**
     * The inspect document for Berth's inspect answer {@code c}; {@code spec} is the container's OCI
     * {@code config.json} when it could be read (it holds the environment and working directory the process
     * really gets), else null.
     */
    static JsonObject inspect(JsonObject c, JsonObject spec) {
        JsonObject options = c.getJsonObject("options", new JsonObject());
        JsonObject isolation = options.getJsonObject("isolation", new JsonObject());
        JsonObject stateIn = c.getJsonObject("state", new JsonObject());
        List<String> args = strings(c.getJsonArray("command"));
        String status = c.getString("status", "");
        boolean running = "running".equals(status);
        Integer exitCode = c.getInteger("exitCode");
        JsonObject state = new JsonObject().put("Status", state(status)).put("Running", running)
                .put("Paused", false).put("Restarting", false)
                .put("OOMKilled", Boolean.TRUE.equals(c.getBoolean("oomKilled")))
                .put("Dead", false).put("Pid", running ? c.getInteger("pid", 0) : 0)
                .put("ExitCode", exitCode == null ? 0 : exitCode)
                .put("Error", c.getString("exitReason") == null ? "" : c.getString("exitReason"))
                .put("StartedAt", time(stateIn.getString("startedAt", c.getString("startedAt"))))
                .put("FinishedAt", time(stateIn.getString("finishedAt", c.getString("finishedAt"))));
        String bundle = c.getString("bundle", "");
        JsonArray mounts = mounts(options);
        JsonArray binds = new JsonArray();
        for (Object entry : options.getJsonArray("volumes", new JsonArray())) {
            if (entry instanceof JsonObject v) {
                String mode = mode(v);
                binds.add(v.getString("source") + ":" + v.getString("target") + (mode.isEmpty() ? "" : ":" + mode));
            }
        }
        JsonObject host = new JsonObject()
                .put("Binds", binds.isEmpty() ? null : binds)
                .put("ContainerIDFile", "")
                .put("LogConfig", new JsonObject().put("Type", "json-file").put("Config", new JsonObject()))
                .put("NetworkMode", networkMode(options))
                .put("PortBindings", new JsonObject())
                .put("RestartPolicy", new JsonObject().put("Name", "no").put("MaximumRetryCount", 0))
                .put("AutoRemove", c.getBoolean("autoRemove", false))
                .put("VolumeDriver", "").put("VolumesFrom", null).put("ConsoleSize", new JsonArray().add(0).add(0))
                .put("CapAdd", list(isolation, "cap-add")).put("CapDrop", list(isolation, "cap-drop"))
                .put("CgroupnsMode", or(first(isolation, "cgroupns"), "")).put("Dns", new JsonArray())
                .put("DnsOptions", new JsonArray()).put("DnsSearch", new JsonArray()).put("ExtraHosts", null)
                .put("GroupAdd", null).put("IpcMode", or(first(isolation, "ipc"), "private")).put("Cgroup", "")
                .put("Links", null).put("OomScoreAdj", 0).put("PidMode", or(first(isolation, "pid"), ""))
                .put("Privileged", isolation.containsKey("privileged"))
                .put("PublishAllPorts", false).put("ReadonlyRootfs", options.getBoolean("readOnly", false))
                .put("SecurityOpt", list(isolation, "security-opt"))
                .put("UTSMode", or(first(isolation, "uts"), "")).put("UsernsMode", or(first(isolation, "userns"), ""))
                .put("ShmSize", 67108864).put("Runtime", c.getString("runtime", ""))
                .put("Isolation", "")
                .put("CpuShares", number(first(isolation, "cpu-shares")))
                .put("Memory", size(first(isolation, "memory")))
                .put("NanoCpus", nanoCpus(first(isolation, "cpus")))
                .put("CgroupParent", "").put("BlkioWeight", 0)
                .put("CpusetCpus", or(first(isolation, "cpuset-cpus"), "")).put("CpusetMems", "")
                .put("Devices", new JsonArray())
                .put("MemoryReservation", size(first(isolation, "memory-reservation")))
                .put("MemorySwap", swap(first(isolation, "memory-swap")))
                .put("MemorySwappiness", null).put("OomKillDisable", false)
                .put("PidsLimit", pids(first(isolation, "pids-limit")))
                .put("Ulimits", new JsonArray()).put("MaskedPaths", null).put("ReadonlyPaths", null);
        JsonObject process = spec == null ? new JsonObject() : spec.getJsonObject("process", new JsonObject());
        JsonArray env = process.getJsonArray("env", options.getJsonArray("env", new JsonArray()));
        JsonArray command = options.getJsonArray("command");
        JsonArray entrypoint = options.getJsonArray("entrypoint");
        if (command == null && entrypoint == null) {
            command = new JsonArray(new ArrayList<>(args)); // the image's own split is not kept; the whole command
        }
        JsonObject config = new JsonObject()
                .put("Hostname", spec != null && spec.getString("hostname") != null ? spec.getString("hostname")
                        : or(options.getString("hostname"), c.getString("id", "").substring(0,
                                Math.min(12, c.getString("id", "").length()))))
                .put("Domainname", "").put("User", or(options.getString("user"), ""))
                .put("AttachStdin", false).put("AttachStdout", false).put("AttachStderr", false)
                .put("Tty", options.getBoolean("tty", false)).put("OpenStdin", options.getBoolean("stdin", false))
                .put("StdinOnce", false).put("Env", env).put("Cmd", command).put("Image", c.getString("image"))
                .put("Volumes", null)
                .put("WorkingDir", process.getString("cwd", or(options.getString("workingDir"), "")))
                .put("Entrypoint", entrypoint).put("OnBuild", null).put("Labels", new JsonObject());
        JsonObject networkSettings = new JsonObject().put("Bridge", "").put("SandboxID", "")
                .put("SandboxKey", running && c.getInteger("pid", 0) > 0 ? "/proc/" + c.getInteger("pid") + "/ns/net" : "")
                .put("Ports", new JsonObject()).put("HairpinMode", false)
                .put("Networks", new JsonObject());
        return new JsonObject().put("Id", c.getString("id"))
                .put("Created", time(c.getString("created")))
                .put("Path", args.isEmpty() ? "" : args.get(0))
                .put("Args", new JsonArray(args.isEmpty() ? List.of() : new ArrayList<>(args.subList(1, args.size()))))
                .put("State", state)
                .put("Image", c.getString("imageDigest", ""))
                .put("ResolvConfPath", bundle.isEmpty() ? "" : bundle + "/resolv.conf")
                .put("HostnamePath", bundle.isEmpty() ? "" : bundle + "/hostname")
                .put("HostsPath", bundle.isEmpty() ? "" : bundle + "/hosts")
                .put("LogPath", c.getString("logPath", ""))
                .put("Name", "/" + c.getString("name"))
                .put("RestartCount", 0)
                .put("Driver", or(c.getString("snapshotter"), ""))
                .put("Platform", "linux")
                .put("MountLabel", "").put("ProcessLabel", "").put("AppArmorProfile", "")
                .put("ExecIDs", null)
                .put("HostConfig", host)
                .put("GraphDriver", new JsonObject().put("Name", or(c.getString("snapshotter"), ""))
                        .put("Data", new JsonObject().put("MergedDir", or(c.getString("rootfs"), ""))))
                .put("Mounts", mounts)
                .put("Config", config)
                .put("NetworkSettings", networkSettings);
    }

    /** Docker's {@code ContainerWaitResponse} for Berth's wait answer (or an exited container's summary). */
    static JsonObject waitAnswer(JsonObject exit) {
        int code = exit.getInteger("exitCode", -1);
        JsonObject answer = new JsonObject().put("StatusCode", code);
        String reason = exit.getString("reason");
        if (code < 0 && reason != null) {
            answer.put("Error", new JsonObject().put("Message", reason));
        } else {
            answer.putNull("Error");
        }
        return answer;
    }

    /** Docker's {@code top} answer for Berth's ({@code titles}, {@code processes}). */
    static JsonObject top(JsonObject berth) {
        return new JsonObject().put("Titles", berth.getJsonArray("titles", new JsonArray()))
                .put("Processes", berth.getJsonArray("processes", new JsonArray()));
    }

    // ---- stats -----------------------------------------------------------------------------------------

    /**
     * One stats sample in Docker's shape from Berth's stats answer for one container ({@code sample}: its
     * {@code containers[0]}; {@code answer}: the whole answer, for the CPU count and host memory), with the
     * host's CPU time {@code systemNanos} (from /proc/stat) and the previous sample, if any, as precpu.
     */
    static JsonObject stats(JsonObject sample, JsonObject answer, long systemNanos, Instant read,
            JsonObject previous) {
        int cpus = answer.getInteger("cpus", 1);
        long limit = sample.getLong("memoryLimit", 0L);
        if (limit <= 0) {
            limit = answer.getLong("hostMemory", 0L);
        }
        JsonObject cpu = new JsonObject()
                .put("cpu_usage", new JsonObject().put("total_usage", sample.getLong("cpuNanos", 0L))
                        .put("usage_in_kernelmode", 0).put("usage_in_usermode", 0))
                .put("system_cpu_usage", systemNanos).put("online_cpus", cpus)
                .put("throttling_data", new JsonObject().put("periods", 0).put("throttled_periods", 0)
                        .put("throttled_time", 0));
        JsonObject precpu = previous == null ? new JsonObject()
                .put("cpu_usage", new JsonObject().put("total_usage", 0)).put("system_cpu_usage", 0)
                .put("online_cpus", cpus).put("throttling_data", new JsonObject())
                : previous.getJsonObject("cpu_stats");
        long pidsLimit = sample.getLong("pidsLimit", 0L);
        JsonObject pids = new JsonObject().put("current", sample.getLong("pids", 0L));
        if (pidsLimit > 0) {
            pids.put("limit", pidsLimit);
        }
        return new JsonObject().put("name", "/" + sample.getString("name")).put("id", sample.getString("id"))
                .put("read", read.toString())
                .put("preread", previous == null ? ZERO_TIME : previous.getString("read"))
                .put("pids_stats", pids)
                .put("blkio_stats", new JsonObject().put("io_service_bytes_recursive", null))
                .put("num_procs", 0).put("storage_stats", new JsonObject())
                .put("cpu_stats", cpu).put("precpu_stats", precpu)
                .put("memory_stats", new JsonObject().put("usage", sample.getLong("memoryBytes", 0L))
                        .put("limit", limit).put("stats", new JsonObject()));
    }

    /** The host's total CPU time in nanoseconds from {@code /proc/stat}'s first line, as Docker counts it. */
    static long systemCpuNanos(String procStat, long ticksPerSecond) {
        for (String line : procStat.split("\n")) {
            if (line.startsWith("cpu ")) {
                String[] fields = line.trim().split("\\s+");
                long ticks = 0;
                for (int i = 1; i < fields.length && i <= 8; i++) { // user .. steal; guest time is in user already
                    ticks += Long.parseLong(fields[i]);
                }
                return ticks * (1_000_000_000L / ticksPerSecond);
            }
        }
        return 0;
    }

    // ---- values ----------------------------------------------------------------------------------------

    /** A Berth size option value ({@code 67108864}, {@code 64m}, {@code 1.5g}) in bytes; 0 for none or unreadable. */
    static long size(String value) {
        if (value == null) {
            return 0;
        }
        Matcher m = SIZE.matcher(value.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return 0;
        }
        int shift = m.group(2) == null ? 0 : switch (m.group(2).charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 40;
        };
        BigInteger bytes = new BigDecimal(m.group(1)).multiply(new BigDecimal(BigInteger.ONE.shiftLeft(shift)))
                .toBigInteger();
        return bytes.bitLength() > 62 ? 0 : bytes.longValue();
    }

    private static long swap(String value) {
        return value != null && value.strip().equals("-1") ? -1 : size(value);
    }

    private static long nanoCpus(String value) {
        if (value == null) {
            return 0;
        }
        try {
            return new BigDecimal(value.strip()).multiply(BigDecimal.valueOf(1_000_000_000L)).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            return 0;
        }
    }

    private static Object pids(String value) {
        if (value == null) {
            return null;
        }
        try {
            long pids = Long.parseLong(value.strip());
            return pids <= 0 ? null : pids;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long number(String value) {
        if (value == null) {
            return 0;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String first(JsonObject isolation, String option) {
        JsonArray values = isolation.getJsonArray(option);
        return values == null || values.isEmpty() ? null : String.valueOf(values.getValue(values.size() - 1));
    }

    private static JsonArray list(JsonObject isolation, String option) {
        JsonArray values = isolation.getJsonArray(option);
        return values == null || values.isEmpty() ? null : values.copy();
    }

    private static String or(String value, String fallback) {
        return value == null ? fallback : value;
    }

    /** An RFC 3339 time as Docker writes it, or Docker's zero time for none. */
    static String time(String value) {
        Instant instant = instant(value);
        return instant == null ? ZERO_TIME : instant.toString();
    }

    static Instant instant(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException again) {
                return null;
            }
        }
    }

    private static long seconds(String time) {
        Instant instant = instant(time);
        return instant == null ? 0 : instant.getEpochSecond();
    }

    private static List<String> strings(JsonArray array) {
        List<String> values = new ArrayList<>();
        if (array != null) {
            array.forEach(v -> values.add(String.valueOf(v)));
        }
        return values;
    }
}
