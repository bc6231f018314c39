package dev.berth.plugin.selinux.impl;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the SELinux module is configured: where selinuxfs is mounted ({@code selinuxfs}), whether a host
 * without SELinux is an error for every container ({@code required}), the process and file types of
 * containers ({@code processType}, {@code fileType}), how many MCS categories it allocates from
 * ({@code categories}: c0..c(categories-1); 1024 in production, fewer in tests) and the {@code chcon}
 * command that relabels volumes. Immutable.
 */
record SelinuxSettings(Path selinuxfs, boolean required, String processType, String fileType, int categories,
        String chcon) {
    static final String DEFAULT_SELINUXFS = "/sys/fs/selinux";
    static final String DEFAULT_PROCESS_TYPE = "container_t";
    static final String DEFAULT_FILE_TYPE = "container_file_t";
    static final int DEFAULT_CATEGORIES = 1024;
    private static final Pattern TYPE = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]{0,254}");

    SelinuxSettings {
        Objects.requireNonNull(selinuxfs, "selinuxfs");
        Objects.requireNonNull(chcon, "chcon");
        for (String type : new String[] {processType, fileType}) {
            if (type == null || !TYPE.matcher(type).matches()) {
                throw new IllegalArgumentException("SELinux module configuration: \"" + type
                        + "\" is not an SELinux type name");
            }
        }
        if (categories < 2 || categories > McsPair.MAX_CATEGORY + 1) {
            throw new IllegalArgumentException("SELinux module configuration: categories " + categories
                    + " is not 2 to " + (McsPair.MAX_CATEGORY + 1));
        }
    }

    /** The production defaults, with selinuxfs at {@code selinuxfs}. */
    static SelinuxSettings defaults(Path selinuxfs) {
        return new SelinuxSettings(selinuxfs, false, DEFAULT_PROCESS_TYPE, DEFAULT_FILE_TYPE, DEFAULT_CATEGORIES, "chcon");
    }

    /** These settings with {@code required} changed. */
    SelinuxSettings withRequired(boolean value) {
        return new SelinuxSettings(selinuxfs, value, processType, fileType, categories, chcon);
    }

    /** These settings with {@code categories} changed. */
    SelinuxSettings withCategories(int value) {
        return new SelinuxSettings(selinuxfs, required, processType, fileType, value, chcon);
    }
}
