package dev.berth.plugin.seccomp.impl;

/** A seccomp profile a user gave is not acceptable: {@code where} in it ("syscalls[3].action") and why. */
final class ProfileException extends Exception {
    private static final long serialVersionUID = 1L;

    ProfileException(String where, String problem) {
        super(where + ": " + problem);
    }
}
