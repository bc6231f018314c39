package dev.berth.plugin.cgroups.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationRequest;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Turns Docker's resource flags into the OCI runtime spec's {@code linux.resources} fields, with Docker's
 * semantics and checks: {@code --memory} (at least 6 MiB; 0 means no limit), {@code --memory-swap} (memory
 * plus swap: equal to the memory means no swap, unset means twice the memory, -1 means unlimited),
 * {@code --memory-reservation} (a soft limit, at most the memory limit), {@code --cpus} (a CFS quota over a
 * 100000 us period), {@code --cpu-shares} (2 to 262144; 0 means the default), {@code --cpuset-cpus}
 * (online CPUs only) and {@code --pids-limit} (0 or -1 mean unlimited). Stateless apart from the path of
 * the host's online-CPU list, read afresh for each request that needs it; thread-safe.
 */
final class CgroupLimits {
    static final String MEMORY = "memory";
    static final String MEMORY_SWAP = "memory-swap";
    static final String MEMORY_RESERVATION = "memory-reservation";
    static final String CPUS = "cpus";
    static final String CPU_SHARES = "cpu-shares";
    static final String CPUSET_CPUS = "cpuset-cpus";
    static final String PIDS_LIMIT = "pids-limit";
    /** Every option this module reads. */
    static final Set<String> OPTIONS = Set.of(MEMORY, MEMORY_SWAP, MEMORY_RESERVATION, CPUS, CPU_SHARES,
            CPUSET_CPUS, PIDS_LIMIT);

    static final String MEMORY_POINTER = "/linux/resources/memory";
    static final String CPU_POINTER = "/linux/resources/cpu";
    static final String PIDS_POINTER = "/linux/resources/pids";
    /** Fact: the memory limit in bytes, when one is set (for the OOM observation's detail line). */
    static final String FACT_MEMORY_LIMIT = "memory.limit";

    /** The CFS period Docker uses for --cpus, in microseconds. */
    static final long CPU_PERIOD = 100_000;
    private static final BigDecimal MIN_CPUS = new BigDecimal("0.01");
    private static final long MIN_SHARES = 2;
    private static final long MAX_SHARES = 262_144;
    private static final Pattern DECIMAL = Pattern.compile("\\d+(\\.\\d+)?|\\.\\d+");
    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");

    private final Path onlineCpus;

    /** Limits checked against the online CPUs listed in {@code onlineCpus} (/sys/devices/system/cpu/online). */
    CgroupLimits(Path onlineCpus) {
        this.onlineCpus = onlineCpus;
    }

    /**
     * Refuses what {@link #contribute} refuses, with the same kind and message. Working out the fields
     * changes nothing (it reads the host's online-CPU list at most), so this is {@link #contribute} with its
     * result dropped: one path, no second copy of the checks to drift.
     */
    void check(IsolationRequest request) throws BerthException {
        contribute(request);
    }

    /** The resource fields for {@code request}; INVALID naming the option and value when one is wrong. */
    Contribution contribute(IsolationRequest request) throws BerthException {
        Contribution.Builder out = Contribution.builder();
        memory(request, out);
        cpu(request, out);
        pids(request, out);
        Contribution built = out.build();
        if (built.fields().isEmpty() && built.notes().isEmpty()) {
            return Contribution.none("no resource limits asked for");
        }
        return built;
    }

    private static void memory(IsolationRequest request, Contribution.Builder out) throws BerthException {
        Optional<String> memoryText = request.value(MEMORY);
        Optional<String> swapText = request.value(MEMORY_SWAP);
        Optional<String> reservationText = request.value(MEMORY_RESERVATION);
        long memory = 0;
        if (memoryText.isPresent()) {
            memory = Sizes.parse(MEMORY, memoryText.get());
            if (memory > 0 && memory < Sizes.MINIMUM_MEMORY) {
                throw new BerthException(ErrorKind.INVALID, "--memory " + memoryText.get() + ": "
                        + Sizes.human(memory) + " is below the minimum memory limit of 6 MiB"
                        + (unitless(memoryText.get()) ? " (a value without a unit is bytes; did you mean "
                                + memoryText.get().strip() + "m?)" : ""));
            }
            if (memory == 0) {
                out.note("--memory 0: no memory limit");
            }
        }
        long swap = 0;
        if (swapText.isPresent()) {
            String text = swapText.get().strip();
            swap = text.equals("-1") ? -1 : Sizes.parse(MEMORY_SWAP, text);
            if (swap > 0 && memory == 0) {
                throw new BerthException(ErrorKind.INVALID, "--memory-swap " + swapText.get()
                        + ": set --memory too; you should always set the memory limit when using the memory-swap limit");
            }
            if (swap > 0 && swap < memory) {
                throw new BerthException(ErrorKind.INVALID, "--memory-swap " + swapText.get() + ": "
                        + Sizes.human(swap) + " is smaller than --memory " + memoryText.orElseThrow() + " ("
                        + Sizes.human(memory) + "); --memory-swap is memory plus swap, so it must be at least"
                        + " the memory limit (equal means no swap, -1 unlimited swap)");
            }
            if (swap == -1 && memory == 0) {
                out.note("--memory-swap -1 without --memory: swap is unlimited, as it is by default");
            }
        }
        long reservation = 0;
        if (reservationText.isPresent()) {
            reservation = Sizes.parse(MEMORY_RESERVATION, reservationText.get());
            if (reservation > 0 && reservation < Sizes.MINIMUM_MEMORY) {
                throw new BerthException(ErrorKind.INVALID, "--memory-reservation " + reservationText.get()
                        + ": " + Sizes.human(reservation) + " is below the minimum memory reservation of 6 MiB");
            }
            if (memory > 0 && reservation > memory) {
                throw new BerthException(ErrorKind.INVALID, "--memory-reservation " + reservationText.get()
                        + ": " + Sizes.human(reservation) + " is above --memory " + memoryText.orElseThrow()
                        + " (" + Sizes.human(memory) + "); the reservation must not exceed the memory limit");
            }
        }
        if (memory == 0 && reservation == 0) {
            return;
        }
        JsonObject json = new JsonObject();
        List<String> why = new ArrayList<>();
        if (memory > 0) {
            json.put("limit", memory);
            why.add("--memory " + memoryText.orElseThrow() + ": limit " + Sizes.human(memory));
            out.fact(FACT_MEMORY_LIMIT, Long.toString(memory));
            if (swap == 0) {
                json.put("swap", Math.multiplyExact(memory, 2));
                why.add("memory+swap " + Sizes.human(2 * memory) + " (no --memory-swap: twice the memory, as Docker does)");
            } else if (swap == -1) {
                json.put("swap", -1);
                why.add("--memory-swap -1: unlimited swap");
            } else if (swap == memory) {
                json.put("swap", swap);
                why.add("--memory-swap " + swapText.orElseThrow() + ": equal to the memory, so no swap");
            } else {
                json.put("swap", swap);
                why.add("--memory-swap " + swapText.orElseThrow() + ": memory+swap " + Sizes.human(swap)
                        + " (" + Sizes.human(swap - memory) + " of swap)");
            }
        }
        if (reservation > 0) {
            json.put("reservation", reservation);
            why.add("--memory-reservation " + reservationText.orElseThrow() + ": soft limit " + Sizes.human(reservation));
        }
        out.set(MEMORY_POINTER, json.toString(), String.join("; ", why));
    }

    private void cpu(IsolationRequest request, Contribution.Builder out) throws BerthException {
        Optional<String> cpusText = request.value(CPUS);
        Optional<String> sharesText = request.value(CPU_SHARES);
        Optional<String> cpusetText = request.value(CPUSET_CPUS);
        if (cpusText.isEmpty() && sharesText.isEmpty() && cpusetText.isEmpty()) {
            return;
        }
        JsonObject json = new JsonObject();
        List<String> why = new ArrayList<>();
        if (sharesText.isPresent()) {
            long shares = integer(CPU_SHARES, sharesText.get());
            if (shares != 0 && (shares < MIN_SHARES || shares > MAX_SHARES)) {
                throw new BerthException(ErrorKind.INVALID, "--cpu-shares " + sharesText.get()
                        + ": the range of CPU shares is " + MIN_SHARES + " to " + MAX_SHARES + " (0 means the default, 1024)");
            }
            if (shares == 0) {
                out.note("--cpu-shares 0: the default CPU shares");
            } else {
                json.put("shares", shares);
                why.add("--cpu-shares " + shares);
            }
        }
        if (cpusText.isPresent()) {
            String text = cpusText.get().strip();
            if (!DECIMAL.matcher(text).matches() || text.length() > 20) {
                throw new BerthException(ErrorKind.INVALID, "--cpus " + cpusText.get()
                        + ": not a number of CPUs (for example 0.5 or 2)");
            }
            BigDecimal cpus = new BigDecimal(text);
            CpuList online = online(CPUS, cpusText.get());
            if (cpus.compareTo(MIN_CPUS) < 0 || cpus.compareTo(BigDecimal.valueOf(online.count())) > 0) {
                throw new BerthException(ErrorKind.INVALID, "--cpus " + cpusText.get()
                        + ": the range of CPUs is 0.01 to " + online.count() + " (this host has "
                        + online.count() + " online)");
            }
            long quota = cpus.multiply(BigDecimal.valueOf(CPU_PERIOD)).setScale(0, RoundingMode.HALF_UP).longValueExact();
            json.put("quota", quota);
            json.put("period", CPU_PERIOD);
            why.add("--cpus " + text + ": quota " + quota + " us per " + CPU_PERIOD + " us period");
        }
        if (cpusetText.isPresent()) {
            CpuList asked;
            try {
                asked = CpuList.parse(cpusetText.get());
            } catch (IllegalArgumentException e) {
                throw new BerthException(ErrorKind.INVALID, "--cpuset-cpus " + cpusetText.get() + ": "
                        + e.getMessage() + "; give a list such as 0-1,3", e);
            }
            CpuList online = online(CPUSET_CPUS, cpusetText.get());
            StringJoiner offline = new StringJoiner(", ");
            for (int cpu : asked.cpus()) {
                if (!online.cpus().contains(cpu)) {
                    offline.add(Integer.toString(cpu));
                }
            }
            if (offline.length() > 0) {
                throw new BerthException(ErrorKind.INVALID, "--cpuset-cpus " + cpusetText.get() + ": CPU "
                        + offline + " not online (this host has " + online + " online)");
            }
            json.put("cpus", asked.toString());
            why.add("--cpuset-cpus " + asked);
        }
        if (!json.isEmpty()) {
            out.set(CPU_POINTER, json.toString(), String.join("; ", why));
        }
    }

    private static void pids(IsolationRequest request, Contribution.Builder out) throws BerthException {
        Optional<String> text = request.value(PIDS_LIMIT);
        if (text.isEmpty()) {
            return;
        }
        long limit = integer(PIDS_LIMIT, text.get());
        if (limit > 0) {
            out.set(PIDS_POINTER, new JsonObject().put("limit", limit).toString(), "--pids-limit " + limit);
        } else if (limit == 0 || limit == -1) {
            out.note("--pids-limit " + limit + ": no pids limit");
        } else {
            throw new BerthException(ErrorKind.INVALID, "--pids-limit " + text.get()
                    + ": give a positive number of processes, or 0 or -1 for no limit");
        }
    }

    private CpuList online(String option, String value) throws BerthException {
        try {
            return CpuList.online(onlineCpus);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "--" + option + " " + value
                    + ": read the host's online CPUs from " + onlineCpus + ": " + e.getMessage(), e);
        }
    }

    private static long integer(String option, String value) throws BerthException {
        String text = value.strip();
        if (!INTEGER.matcher(text).matches()) {
            throw new BerthException(ErrorKind.INVALID, "--" + option + " " + value + ": not a whole number");
        }
        return Long.parseLong(text);
    }

    private static boolean unitless(String text) {
        return text.strip().chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** A flat JSON object of numbers and plain strings, in insertion order. Not thread-safe. */
    private static final class JsonObject {
        private final StringJoiner members = new StringJoiner(",", "{", "}");
        private boolean empty = true;

        JsonObject put(String name, long value) {
            members.add("\"" + name + "\":" + value);
            empty = false;
            return this;
        }

        /** {@code value} holds only characters that need no escaping (CPU lists). */
        JsonObject put(String name, String value) {
            members.add("\"" + name + "\":\"" + value + "\"");
            empty = false;
            return this;
        }

        boolean isEmpty() {
            return empty;
        }

        @Override
        public String toString() {
            return members.toString();
        }
    }
}
