package dev.berth.eventlog.impl;

import dev.berth.api.event.LogCorruptedException;
import java.nio.file.Path;

/**
 * A damaged record found while walking the chain, with the sequence the record should have had, so that
 * cursors can throw it and {@code verify} can report it. Immutable.
 */
final class Damage extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final long sequence;
    private final String what;

    Damage(Path file, long offset, long sequence, String what) {
        super(file + " at offset " + offset + " (sequence " + sequence + "): " + what, null, false, false);
        this.file = file;
        this.offset = offset;
        this.sequence = sequence;
        this.what = what;
    }

    Path file() {
        return file;
    }

    long offset() {
        return offset;
    }

    long sequence() {
        return sequence;
    }

    String what() {
        return what;
    }

    LogCorruptedException toException() {
        return new LogCorruptedException(file, offset, what);
    }
}
