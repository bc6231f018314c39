package dev.berth.launcher;

/**
 * Thrown when a command line is wrong; carries the usage text of the command that was being parsed so that
 * the caller can print both and exit with {@link ExitCodes#USAGE}.
 */
public final class UsageException extends Exception {

    private final String usage;

    /** Creates the exception with the one-line problem and the command's usage text. */
    public UsageException(String message, String usage) {
        super(message);
        this.usage = usage;
    }

    /** The usage text of the command being parsed. */
    public String usage() {
        return usage;
    }
}
