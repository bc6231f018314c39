package dev.berth.launcher.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Prints a titled section of {@code Key: value} lines with the values aligned, like {@code docker info}. */
final class KeyValueSection {

    private final String title;
    private final List<String[]> lines = new ArrayList<>();

    KeyValueSection(String title) {
        this.title = title;
    }

    KeyValueSection add(String key, String value) {
        lines.add(new String[] {key, value});
        return this;
    }

    void print(PrintStream out) {
        out.println(title + ":");
        int width = 0;
        for (String[] line : lines) {
            width = Math.max(width, line[0].length());
        }
        for (String[] line : lines) {
            out.println(" " + line[0] + ":" + " ".repeat(width - line[0].length() + 2) + line[1]);
        }
    }
}
