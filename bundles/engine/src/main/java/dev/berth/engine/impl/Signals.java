package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.List;
import java.util.Locale;

/** Signal names and numbers as {@code kill -s} takes them on Linux x86-64 and arm64. Stateless. */
final class Signals {
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
            "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
            "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    private Signals() {
    }

    /** The number of {@code TERM}, {@code SIGTERM} or {@code 15}; anything else is INVALID naming it. */
    static int parse(String signal) throws BerthException {
        String s = signal == null ? "" : signal.trim().toUpperCase(Locale.ROOT);
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        if (s.matches("\\d{1,2}")) {
            int number = Integer.parseInt(s);
            if (number >= 1 && number <= 64) {
                return number;
            }
        } else if (s.startsWith("RTMIN") || s.startsWith("RTMAX")) {
            return rt(s, signal);
        } else {
            int index = NAMES.indexOf(s);
            if (index > 0) {
                return index;
            }
        }
        throw new BerthException(ErrorKind.INVALID, "invalid signal \"" + signal + "\": use a name like TERM or "
                + "SIGKILL, or a number from 1 to 64");
    }

    private static int rt(String s, String original) throws BerthException {
        try {
            if (s.equals("RTMIN")) {
                return 34;
            }
            if (s.equals("RTMAX")) {
                return 64;
            }
            int offset = Integer.parseInt(s.substring(6));
            int number = s.startsWith("RTMIN+") ? 34 + offset : 64 - offset;
            if (number >= 34 && number <= 64) {
                return number;
            }
        } catch (RuntimeException e) {
            // falls through to the error
        }
        throw new BerthException(ErrorKind.INVALID, "invalid signal \"" + original + "\"");
    }
}
