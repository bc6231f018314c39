package dev.berth.dockerapi.impl;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Docker Engine API version, {@code MAJOR.MINOR}, as it appears in {@code /v1.50/...} paths and the
 * {@code API-Version} header. Ordered numerically (1.9 before 1.24). Immutable.
 */
record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
    /** The oldest version this endpoint serves, as Docker's own daemon today. */
    static final ApiVersion MINIMUM = new ApiVersion(1, 24);
    /** The newest version this endpoint serves: the one the docker 28.2 client speaks. */
    static final ApiVersion MAXIMUM = new ApiVersion(1, 50);

    private static final Pattern TEXT = Pattern.compile("(\\d{1,4})\\.(\\d{1,4})");

    ApiVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("API version parts must not be negative");
        }
    }

    /**
     * Parses {@code 1.50}.
     *
     * @throws DockerException 400 naming the text when it is not MAJOR.MINOR with at most four digits each
     */
    static ApiVersion parse(String text) {
        Matcher m = TEXT.matcher(text);
        if (!m.matches()) {
            String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
            throw DockerException.invalid("invalid API version \"" + printable(shown)
                    + "\": use MAJOR.MINOR, e.g. " + MAXIMUM);
        }
        return new ApiVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /**
     * Checks that this version lies between {@link #MINIMUM} and {@link #MAXIMUM}, with Docker's own
     * messages.
     *
     * @throws DockerException 400 when it is older or newer
     */
    ApiVersion requireSupported() {
        if (compareTo(MINIMUM) < 0) {
            throw DockerException.invalid("client version " + this + " is too old. Minimum supported API version is "
                    + MINIMUM + ", please upgrade your client to a newer version");
        }
        if (compareTo(MAXIMUM) > 0) {
            throw DockerException.invalid("client version " + this + " is too new. Maximum supported API version is "
                    + MAXIMUM);
        }
        return this;
    }

    /** Whether this version is at least {@code other}, for behaviour that changed between versions. */
    boolean atLeast(ApiVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(ApiVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }

    /** {@code text} with control characters shown as {@code ?}, for messages that echo client input. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
