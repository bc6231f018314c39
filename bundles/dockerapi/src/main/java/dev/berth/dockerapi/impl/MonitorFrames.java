package dev.berth.dockerapi.impl;

import dev.berth.api.container.AttachFrames;
import io.vertx.core.buffer.Buffer;
import java.util.function.BiConsumer;

/**
 * The framing of a Berth monitor's attach socket ({@link AttachFrames}: {@code [type][0][0][0][length: 4
 * bytes big-endian]} then the payload) in both directions: {@link #feed} cuts incoming bytes into frames,
 * however the socket split them, and the static methods build outgoing ones. The header is the same as
 * Docker's multiplexed stream's, so an output frame is passed to a docker client unchanged. Not thread-safe:
 * one decoder per connection, fed from its event loop.
 */
final class MonitorFrames {
    /** The largest frame payload the monitor sends or takes (its MAX_FRAME). */
    static final int MAX_PAYLOAD = 1 << 20;

    private final BiConsumer<Integer, Buffer> frames;
    private Buffer pending = Buffer.buffer();

    /** @param frames called with each complete frame's type and its whole bytes (header included) */
    MonitorFrames(BiConsumer<Integer, Buffer> frames) {
        this.frames = frames;
    }

    /**
     * Takes the next bytes from the monitor and passes on every frame they complete.
     *
     * @throws IllegalStateException for a malformed header or a frame larger than {@link #MAX_PAYLOAD}
     */
    void feed(Buffer bytes) {
        pending.appendBuffer(bytes);
        int start = 0;
        while (pending.length() - start >= AttachFrames.HEADER) {
            int type = pending.getUnsignedByte(start);
            if (pending.getByte(start + 1) != 0 || pending.getByte(start + 2) != 0 || pending.getByte(start + 3) != 0) {
                throw new IllegalStateException("malformed attach frame header (type " + type + ")");
            }
            long length = pending.getUnsignedInt(start + 4);
            if (length > MAX_PAYLOAD) {
                throw new IllegalStateException("attach frame of type " + type + " announces " + length + " bytes");
            }
            int end = start + AttachFrames.HEADER + (int) length;
            if (pending.length() < end) {
                break;
            }
            frames.accept(type, pending.getBuffer(start, end));
            start = end;
        }
        if (start > 0) {
            pending = pending.getBuffer(start, pending.length());
        }
    }

    /** Whether part of a frame is still waiting for its rest. */
    boolean partial() {
        return pending.length() > 0;
    }

    /** The payload of a whole frame. */
    static Buffer payload(Buffer frame) {
        return frame.getBuffer(AttachFrames.HEADER, frame.length());
    }

    /** One frame of {@code type} with {@code payload}. */
    static Buffer frame(int type, Buffer payload) {
        int length = payload.length();
        return Buffer.buffer(AttachFrames.HEADER + length).appendByte((byte) type).appendByte((byte) 0)
                .appendByte((byte) 0).appendByte((byte) 0).appendInt(length).appendBuffer(payload);
    }

    /** {@link AttachFrames#STDIN} frames for {@code bytes}, cut to the monitor's frame limit. */
    static Buffer stdin(Buffer bytes) {
        if (bytes.length() <= MAX_PAYLOAD) {
            return frame(AttachFrames.STDIN, bytes);
        }
        Buffer out = Buffer.buffer(bytes.length() + 64);
        for (int offset = 0; offset < bytes.length(); offset += MAX_PAYLOAD) {
            out.appendBuffer(frame(AttachFrames.STDIN, bytes.getBuffer(offset,
                    Math.min(bytes.length(), offset + MAX_PAYLOAD))));
        }
        return out;
    }

    /** A {@link AttachFrames#RESIZE} frame: rows then columns, 2 bytes each. */
    static Buffer resize(int rows, int columns) {
        return frame(AttachFrames.RESIZE, Buffer.buffer(4).appendUnsignedShort(rows).appendUnsignedShort(columns));
    }

    /** An empty frame of {@code type} ({@link AttachFrames#START}, {@link AttachFrames#STDIN_CLOSE}). */
    static Buffer empty(int type) {
        return frame(type, Buffer.buffer());
    }
}
