package dev.berth.plugin.expand.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Writes tar layers for tests, hostile names included (nothing is normalized); not thread-safe. */
final class TarBuilder implements AutoCloseable {

    static final long MTIME = 1_600_000_000L;

    private final ByteArrayOutputStream memory;
    private final TarArchiveOutputStream tar;

    /** A builder writing to memory; see {@link #toByteArray()}. */
    TarBuilder() {
        this.memory = new ByteArrayOutputStream();
        this.tar = open(memory);
    }

    /** A builder streaming to {@code out} (closed by {@link #close()}). */
    TarBuilder(OutputStream out) {
        this.memory = null;
        this.tar = open(out);
    }

    private static TarArchiveOutputStream open(OutputStream out) {
        TarArchiveOutputStream t = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        t.setAddPaxHeadersForNonAsciiNames(true);
        return t;
    }

    static TarArchiveEntry entry(String name, byte flag) {
        TarArchiveEntry e = new TarArchiveEntry(name, flag, true);
        e.setLastModifiedTime(FileTime.from(MTIME, TimeUnit.SECONDS));
        e.setUserId(0);
        e.setGroupId(0);
        return e;
    }

    TarBuilder add(TarArchiveEntry e, byte[] content) throws IOException {
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
        return this;
    }

    TarBuilder add(TarArchiveEntry e) throws IOException {
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        return this;
    }

    TarBuilder file(String name, String content) throws IOException {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644, 0, 0, Map.of());
    }

    TarBuilder file(String name, byte[] content, int mode, int uid, int gid, Map<String, String> pax)
            throws IOException {
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL);
        e.setMode(mode);
        e.setUserId(uid);
        e.setGroupId(gid);
        pax.forEach(e::addPaxHeader);
        return add(e, content);
    }

    TarBuilder dir(String name, int mode) throws IOException {
        TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
        e.setMode(mode);
        return add(e);
    }

    TarBuilder symlink(String name, String target) throws IOException {
        TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        e.setMode(0777);
        return add(e);
    }

    TarBuilder hardlink(String name, String target) throws IOException {
        TarArchiveEntry e = entry(name, TarConstants.LF_LINK);
        e.setLinkName(target);
        return add(e);
    }

    TarBuilder node(String name, byte flag, int mode, int major, int minor) throws IOException {
        TarArchiveEntry e = entry(name, flag);
        e.setMode(mode);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return add(e);
    }

    /** Writes raw bytes into the archive stream (bypassing entries), for malformed layers. */
    TarArchiveOutputStream stream() {
        return tar;
    }

    byte[] toByteArray() throws IOException {
        close();
        return memory.toByteArray();
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
