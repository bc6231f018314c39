package dev.berth.plugin.selinux.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What {@code --security-opt label=...} asked for: {@code disable}, or any of {@code user:U},
 * {@code role:R}, {@code type:T} (process type), {@code filetype:T} (mount/file type) and
 * {@code level:L}; a later value for the same key wins, as with Docker's flags. Null components mean
 * "the default". Immutable.
 */
record LabelOptions(boolean disabled, String user, String role, String type, String fileType, String level) {
    /** No label option given. */
    static final LabelOptions NONE = new LabelOptions(false, null, null, null, null, null);
    /** An SELinux user, role or type name: letters, digits, underscore and dot, as policy identifiers are. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]{0,254}");

    /** Whether any option asks for a specific label, which only an SELinux host can give. */
    boolean explicit() {
        return user != null || role != null || type != null || fileType != null || level != null;
    }

    /**
     * The options in {@code values} (each what follows {@code label=}, in order); INVALID naming the value
     * for anything unknown or malformed, and for {@code disable} together with a label component.
     */
    static LabelOptions parse(List<String> values) throws BerthException {
        boolean disabled = false;
        String user = null;
        String role = null;
        String type = null;
        String fileType = null;
        String level = null;
        for (String value : values) {
            int colon = value.indexOf(':');
            String key = colon < 0 ? value : value.substring(0, colon);
            String arg = colon < 0 ? null : value.substring(colon + 1);
            switch (key) {
                case "disable" -> {
                    if (arg != null) {
                        throw invalid(value, "disable takes no value");
                    }
                    disabled = true;
                }
                case "user" -> user = name(value, arg, "user");
                case "role" -> role = name(value, arg, "role");
                case "type" -> type = name(value, arg, "type");
                case "filetype" -> fileType = name(value, arg, "type");
                case "level" -> {
                    if (arg == null) {
                        throw invalid(value, "level needs a value, e.g. level:s0:c1,c2");
                    }
                    try {
                        level = MlsLevel.check(arg);
                    } catch (IllegalArgumentException e) {
                        throw invalid(value, e.getMessage());
                    }
                }
                default -> throw invalid(value, "unknown label option"
                        + (key.isEmpty() ? "" : " \"" + key + "\"")
                        + "; use disable, type:T, level:L, user:U, role:R or filetype:T");
            }
        }
        LabelOptions options = new LabelOptions(disabled, user, role, type, fileType, level);
        if (disabled && options.explicit()) {
            throw new BerthException(ErrorKind.INVALID, "--security-opt label=disable cannot be combined with "
                    + "other label options (" + String.join(", ", values) + "): a disabled label has no parts");
        }
        return options;
    }

    private static String name(String value, String arg, String what) throws BerthException {
        if (arg == null || arg.isEmpty()) {
            throw invalid(value, "needs a " + what + " name");
        }
        if (!NAME.matcher(arg).matches()) {
            throw invalid(value, "\"" + arg + "\" is not an SELinux " + what
                    + " name (letters, digits, _ and ., starting with a letter or _)");
        }
        return arg;
    }

    private static BerthException invalid(String value, String why) {
        return new BerthException(ErrorKind.INVALID, "--security-opt label=" + printable(value) + ": " + why);
    }

    /** {@code text} with control characters shown as {@code \\uXXXX}, so a message stays one line. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
