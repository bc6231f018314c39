package dev.berth.eventlog.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.LogExport;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a range of records to one file in the segment format: a header whose first sequence is the
 * range's and whose anchor is the hash before it, then each record's bytes exactly as the log stores them,
 * copied after the walker verified them. The file is written under a temporary sibling name, fsynced and
 * linked into place, so it appears complete or not at all. Stateless.
 */
final class LogExporter {
    private LogExporter() {
    }

    /** Fails with INVALID unless {@code from..to} is a non-empty range that starts at or before {@code head}. */
    static void checkRange(long from, long to, long head, String action) throws BerthException {
        if (from < 1) {
            throw new BerthException(ErrorKind.INVALID, action + ": sequences start at 1");
        }
        if (from > head) {
            throw new BerthException(ErrorKind.INVALID, action + ": "
                    + (head == 0 ? "the log is empty" : "the log's head is sequence " + head));
        }
        if (to < from) {
            throw new BerthException(ErrorKind.INVALID, action + ": the range ends before it starts");
        }
    }

    /** Fails with INVALID when {@code target} exists (even as a dangling link) or its directory does not. */
    static void checkTarget(Path target, String action) throws BerthException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw exists(action);
        }
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new BerthException(ErrorKind.INVALID, action + ": directory " + parent + " does not exist");
        }
    }

    /** The temporary file an export to {@code target} is written to. */
    static Path partFileOf(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".part");
    }

    /**
     * Copies records {@code from..to} from {@code walker}, which must yield them, to {@code target}. Throws
     * {@link Damage} when a record fails its checks, CONFLICT when the temporary file is taken and INVALID
     * when {@code target} appeared meanwhile; removes the temporary file on every failure.
     */
    static LogExport write(ChainWalker walker, long from, long to, Path target, String action)
            throws IOException, Damage, BerthException {
        Path part = partFileOf(target);
        FileChannel channel;
        try {
            channel = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new BerthException(ErrorKind.CONFLICT, action + ": temporary file " + part
                    + " exists (another export to the same file is running, or a crash left it)", e);
        }
        boolean done = false;
        try {
            byte[] anchor = null;
            long last = from - 1;
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 << 10);
            while (last < to && walker.advance()) {
                RecordScanner record = walker.scanner();
                if (record.sequence() < from) {
                    continue;
                }
                if (anchor == null) {
                    anchor = record.previousHash();
                    out.write(SegmentFormat.header(from, anchor));
                }
                record.copyFrame(out);
                last = record.sequence();
            }
            if (last != to) {
                throw new IOException("the log ended at sequence " + last + " before " + to);
            }
            ChainHash lastHash = SegmentFormat.chainHash(walker.scanner().chainHash(), 0);
            out.flush();
            channel.force(true);
            channel.close();
            long bytes = Files.size(part);
            publish(part, target, action);
            done = true;
            FileSync.directory(target.toAbsolutePath().getParent());
            return new LogExport(target.toString(), from, to, ChainHash.of(anchor), lastHash, bytes);
        } finally {
            try {
                channel.close();
            } catch (IOException e) {
                // Closed above on success; after a failure the file is deleted anyway.
            }
            if (!done) {
                FileSync.deleteQuietly(part);
            }
        }
    }

    /** Gives the complete {@code part} the name {@code target}, never replacing a file that appeared since the check. */
    private static void publish(Path part, Path target, String action) throws IOException, BerthException {
        try {
            Files.createLink(target, part);
        } catch (FileAlreadyExistsException e) {
            throw exists(action);
        } catch (UnsupportedOperationException | IOException e) {
            // No hard links here: a rename, which would replace a target created in the last instant.
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw exists(action);
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        FileSync.deleteQuietly(part);
    }

    private static BerthException exists(String action) {
        return new BerthException(ErrorKind.INVALID, action + ": the target already exists");
    }
}
