package dev.berth.api.event;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.file.Path;

/**
 * A record that fails its CRC, its framing or the hash chain somewhere other than the torn tail a crash
 * can leave. Names the segment file and byte offset; the log never skips such a record.
 */
public final class LogCorruptedException extends BerthException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    public LogCorruptedException(Path file, long offset, String what) {
        super(ErrorKind.INTERNAL, "event log corrupted: " + file + " at offset " + offset + ": " + what);
        this.file = file;
        this.offset = offset;
    }

    /** The segment file holding the damaged record. */
    public Path file() {
        return file;
    }

    /** The byte offset of the damaged record's start within {@link #file()}. */
    public long offset() {
        return offset;
    }
}
