package dev.berth.launcher.cli;

import java.io.PrintStream;

/** Prints a JSON answer exactly as the daemon sent it, ending with one newline. */
final class RawJson {

    private RawJson() {
    }

    static void print(byte[] body, PrintStream out) {
        out.write(body, 0, body.length);
        if (body.length == 0 || body[body.length - 1] != '\n') {
            out.println();
        }
    }
}
