package dev.berth.eventlog.impl;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The bytes of one segment as {@link RecordScanner} reads them: a live segment file through its channel,
 * or an archived segment decompressed on the fly. Not thread-safe: one reader per input.
 */
interface SegmentInput extends Closeable {
    /** Passed as a scan limit when the input's length is unknown until its end is read. */
    long UNKNOWN_LENGTH = Long.MAX_VALUE;

    /** The file the bytes come from, for error messages. */
    Path file();

    /** Reads into {@code into} from byte {@code position}; returns the count read, or -1 at the end. */
    int read(ByteBuffer into, long position) throws IOException;

    /** The number of bytes, or {@link #UNKNOWN_LENGTH}. */
    long length() throws IOException;

    /** Reads {@code channel}, open on {@code file}; closing the input closes the channel. */
    static SegmentInput of(Path file, FileChannel channel) {
        return new SegmentInput() {
            @Override
            public Path file() {
                return file;
            }

            @Override
            public int read(ByteBuffer into, long position) throws IOException {
                return channel.read(into, position);
            }

            @Override
            public long length() throws IOException {
                return channel.size();
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
