package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.SegmentFormat.HEADER_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.MAGIC;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.LogVerification;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a file written by {@code EventLog.export} (or any single segment file) on its own, without the log
 * it came from and without OSGi: the segment magic, then every record's framing, both CRCs, sequence
 * continuity and the hash chain from the anchor in the header on. A record cut short at the end is damage.
 * Stateless and thread-safe.
 *
 * <p>What the file itself cannot show: that it was cut exactly at a record boundary, or replaced as a whole
 * by another consistent chain. Compare {@code verifiedThrough} and {@code headHash} with what the export
 * reported (or with the live log) for that.
 *
 * <p>The CLI calls {@link #verifyToMap} reflectively through a class loader holding only the API and this
 * bundle, so this class and what it uses must stay free of OSGi types.
 */
public final class ExportedFiles {
    /** The outcome for one file, with the hashes {@link LogVerification} does not carry. */
    record Checked(Path file, LogVerification verification, Optional<ChainHash> anchor, Optional<ChainHash> headHash) {
        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("file", file.toString());
            map.put("intact", verification.intact());
            map.put("fromSequence", verification.fromSequence());
            map.put("verifiedThrough", verification.verifiedThrough());
            map.put("head", verification.head());
            map.put("anchor", anchor.map(ChainHash::hex).orElse(null));
            map.put("headHash", headHash.map(ChainHash::hex).orElse(null));
            map.put("damage", verification.damage().map(Checked::damageMap).orElse(null));
            return Collections.unmodifiableMap(map);
        }

        private static Map<String, Object> damageMap(LogVerification.Damage damage) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("file", damage.file());
            map.put("offset", damage.offset());
            map.put("sequence", damage.sequence());
            map.put("problem", damage.problem());
            return Collections.unmodifiableMap(map);
        }
    }

    private ExportedFiles() {
    }

    /**
     * Checks {@code file} and reports how far it verified. {@code fromSequence} is the first sequence its
     * header declares (1 when the header is unreadable); {@code head} the last sequence found in it: past
     * damage, a best-effort reading of the complete frames that follow (a record cut short at the end does
     * not count). Fails with a {@link BerthException}
     * NOT_FOUND when the file does not exist, INVALID when it is not a regular file, UNAVAILABLE when it
     * cannot be read; damage in it is reported, not thrown.
     */
    public static LogVerification verify(Path file) throws BerthException {
        return check(file).verification();
    }

    /**
     * {@link #verify} as plain values for callers without the API types: "file" (String), "intact"
     * (Boolean), "fromSequence", "verifiedThrough", "head" (Long), "anchor" and "headHash" (64 hex
     * characters, or null when the header is unreadable; headHash is the hash of the last verified record,
     * the anchor when none verified) and "damage" (null, or a map of "file", "offset" (Long), "sequence"
     * (Long) and "problem"). Fails as {@link #verify} does.
     */
    public static Map<String, Object> verifyToMap(Path file) throws BerthException {
        return check(file).toMap();
    }

    static Checked check(Path file) throws BerthException {
        String action = "verify exported event log " + file;
        if (!Files.exists(file)) {
            throw new BerthException(ErrorKind.NOT_FOUND, action + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new BerthException(ErrorKind.INVALID, action + ": not a regular file");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return check(file, SegmentInput.of(file, channel), channel.size());
        } catch (NoSuchFileException e) {
            throw new BerthException(ErrorKind.NOT_FOUND, action + ": no such file", e);
        } catch (IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + message, e);
        }
    }

    private static Checked check(Path file, SegmentInput input, long size) throws IOException {
        RecordScanner scanner = new RecordScanner();
        scanner.position(file, input, 0, size);
        byte[] header = new byte[HEADER_BYTES];
        if (!scanner.readHeader(header)) {
            return badHeader(file, "segment header truncated: the file has " + size + " of " + HEADER_BYTES + " bytes");
        }
        if (!Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return badHeader(file, "bad segment magic: not an event log segment or export");
        }
        long first = (long) SegmentFormat.LONG.get(header, 8);
        if (first < 1) {
            return badHeader(file, "segment header declares first sequence " + first);
        }
        byte[] anchor = Arrays.copyOfRange(header, 16, HEADER_BYTES);
        scanner.startChain(first, anchor);
        long verified = first - 1;
        while (true) {
            RecordScanner.Status status = scanner.next();
            if (status == RecordScanner.Status.RECORD) {
                verified = scanner.sequence();
                continue;
            }
            ChainHash anchorHash = ChainHash.of(anchor);
            ChainHash headHash = SegmentFormat.chainHash(scanner.chainHash(), 0);
            if (status == RecordScanner.Status.END) {
                return new Checked(file, new LogVerification(first, verified, verified, Optional.empty()),
                        Optional.of(anchorHash), Optional.of(headHash));
            }
            long damagedSequence = scanner.expectedSequence();
            LogVerification.Damage damage = new LogVerification.Damage(file.toString(), scanner.recordOffset(),
                    damagedSequence, status == RecordScanner.Status.INCOMPLETE ? "record truncated at end of file"
                            : scanner.problem());
            long head = status == RecordScanner.Status.INCOMPLETE ? verified : scanner.lastSequenceBeyondDamage();
            return new Checked(file, new LogVerification(first, verified, head, Optional.of(damage)),
                    Optional.of(anchorHash), Optional.of(headHash));
        }
    }

    private static Checked badHeader(Path file, String problem) {
        LogVerification.Damage damage = new LogVerification.Damage(file.toString(), 0, 1, problem);
        return new Checked(file, new LogVerification(1, 0, 0, Optional.of(damage)), Optional.empty(), Optional.empty());
    }
}
