package dev.berth.plugin.namespaces.impl;

/**
 * One line of a user namespace id map: container ids {@code containerId} to
 * {@code containerId + size - 1} are host ids {@code hostId} to {@code hostId + size - 1}. Written and
 * parsed as {@code C:H:N}, the form of Podman's {@code --uidmap}. Immutable.
 */
record IdMapping(long containerId, long hostId, long size) {
    /** The largest id a range may reach: uid_t is 32 bits and 4294967295 means "no id". */
    static final long MAX_ID = 4_294_967_294L;

    IdMapping {
        if (containerId < 0 || hostId < 0 || size <= 0) {
            throw new IllegalArgumentException("ids must be 0 or more and the size 1 or more");
        }
        if (containerId + size - 1 > MAX_ID || hostId + size - 1 > MAX_ID) {
            throw new IllegalArgumentException("the range ends beyond the largest id " + MAX_ID);
        }
    }

    /**
     * Parses {@code C:H:N}; the message of the exception says what is wrong with it (without the option
     * name, which the caller adds).
     */
    static IdMapping parse(String text) {
        String[] parts = text.trim().split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("expected CONTAINER_ID:HOST_ID:SIZE, like 0:1000000:65536");
        }
        long[] numbers = new long[3];
        String[] names = {"container id", "host id", "size"};
        for (int i = 0; i < 3; i++) {
            if (!parts[i].matches("[0-9]{1,10}")) {
                throw new IllegalArgumentException("the " + names[i] + " \"" + parts[i] + "\" is not a number");
            }
            numbers[i] = Long.parseLong(parts[i]);
        }
        if (numbers[2] == 0) {
            throw new IllegalArgumentException("the size must be 1 or more");
        }
        return new IdMapping(numbers[0], numbers[1], numbers[2]);
    }

    long containerEnd() {
        return containerId + size - 1;
    }

    long hostEnd() {
        return hostId + size - 1;
    }

    boolean containerOverlaps(IdMapping other) {
        return containerId <= other.containerEnd() && other.containerId <= containerEnd();
    }

    boolean hostOverlaps(IdMapping other) {
        return hostId <= other.hostEnd() && other.hostId <= hostEnd();
    }

    /** Whether host ids {@code from} to {@code to} meet this mapping's host range. */
    boolean hostOverlaps(long from, long to) {
        return hostId <= to && from <= hostEnd();
    }

    /** The OCI runtime spec form: {@code {"containerID":C,"hostID":H,"size":N}}. */
    String json() {
        return "{\"containerID\":" + containerId + ",\"hostID\":" + hostId + ",\"size\":" + size + "}";
    }

    @Override
    public String toString() {
        return containerId + ":" + hostId + ":" + size;
    }
}
