package dev.berth.eventlog.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogExport;
import dev.berth.api.event.LogVerification;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ExportedFiles}: an exported file checked on its own, without the log and without OSGi. Every
 * hostile change to a good export (records 3..12 of a log) is found and placed; files that are valid
 * stay valid, among them a live segment of another log.
 */
class ExportedFilesTest {
    private static final SegmentedEventLog.Options OPTIONS = SegmentedEventLog.Options.defaults().withSegmentBytes(700);

    @TempDir
    static Path tmp;
    private static Path logDir;
    private static Path seed;
    private static byte[] seedBytes;
    private static List<LogFiles.Frame> frames;
    private static LogExport seedExport;
    private static List<EventRecord> records;

    @TempDir
    Path work;

    @BeforeAll
    static void exportSeed() throws Exception {
        logDir = tmp.resolve("log");
        seed = tmp.resolve("seed.log");
        try (SegmentedEventLog log = SegmentedEventLog.open(logDir, OPTIONS)) {
            records = LogFiles.appendNotes(log, 12, "exported");
            seedExport = log.export(3, 12, seed);
        }
        seedBytes = Files.readAllBytes(seed);
        frames = LogFiles.frames(seed);
        assertEquals(10, frames.size());
        assertTrue(LogFiles.segments(logDir).size() >= 3, "the log has a middle segment");
    }

    /** What verifying a damaged copy must report: the damaged record's sequence and offset, and the problem. */
    record Expected(long sequence, long offset, long verifiedThrough, long head, String problem) {
    }

    /** One hostile change to the seed export's bytes, and what it must be reported as. */
    record Hostile(String name, UnaryOperator<byte[]> change, Expected expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Hostile> hostile() {
        List<Hostile> cases = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            LogFiles.Frame f = frames.get(i);
            long sequence = 3 + i;
            cases.add(new Hostile("FlippedByteInRecord" + sequence, flip(f.offset() + 12 + 17 + i),
                    new Expected(sequence, f.offset(), sequence - 1, 12, "body CRC mismatch")));
        }
        LogFiles.Frame fifth = frames.get(4);
        LogFiles.Frame sixth = frames.get(5);
        LogFiles.Frame last = frames.get(9);
        cases.add(new Hostile("FlippedLengthField", flip(fifth.offset() + 2),
                new Expected(7, fifth.offset(), 6, 6, "length CRC mismatch")));
        cases.add(new Hostile("FlippedPreviousHash", flip(fifth.end() - 1),
                new Expected(7, fifth.offset(), 6, 12, "body CRC mismatch")));
        cases.add(new Hostile("TruncatedInsideLastRecord", b -> Arrays.copyOf(b, (int) last.end() - 5),
                new Expected(12, last.offset(), 11, 11, "record truncated at end of file")));
        cases.add(new Hostile("TruncatedInsideAFrameHeader", b -> Arrays.copyOf(b, (int) last.offset() + 7),
                new Expected(12, last.offset(), 11, 11, "record truncated at end of file")));
        cases.add(new Hostile("TwoRecordsSwapped", b -> {
            byte[] swapped = b.clone();
            System.arraycopy(b, (int) sixth.offset(), swapped, (int) fifth.offset(), sixth.length());
            System.arraycopy(b, (int) fifth.offset(), swapped, (int) fifth.offset() + sixth.length(), fifth.length());
            return swapped;
        }, new Expected(7, fifth.offset(), 6, 12, "sequence gap: expected 7, found 8")));
        cases.add(new Hostile("RecordDeleted", b -> {
            byte[] shorter = new byte[b.length - fifth.length()];
            System.arraycopy(b, 0, shorter, 0, (int) fifth.offset());
            System.arraycopy(b, (int) fifth.end(), shorter, (int) fifth.offset(), b.length - (int) fifth.end());
            return shorter;
        }, new Expected(7, fifth.offset(), 6, 12, "sequence gap: expected 7, found 8")));
        cases.add(new Hostile("AnchorFlipped", flip(20),
                new Expected(3, SegmentFormat.HEADER_BYTES, 2, 12, "hash chain broken")));
        cases.add(new Hostile("FirstSequenceRewritten", b -> {
            byte[] c = b.clone();
            SegmentFormat.LONG.set(c, 8, 4L);
            return c;
        }, new Expected(4, SegmentFormat.HEADER_BYTES, 3, 12, "sequence gap: expected 4, found 3")));
        cases.add(new Hostile("GarbageAfterTheLastRecord",
                b -> concat(b, "not a record, not zeros".getBytes(StandardCharsets.US_ASCII)),
                new Expected(13, seedBytes.length, 12, 12, "length CRC mismatch")));
        cases.add(new Hostile("WrongMagic", flip(3), new Expected(1, 0, 0, 0, "bad segment magic")));
        cases.add(new Hostile("EmptyFile", b -> new byte[0], new Expected(1, 0, 0, 0, "segment header truncated")));
        cases.add(new Hostile("TruncatedInsideTheHeader", b -> Arrays.copyOf(b, 30),
                new Expected(1, 0, 0, 0, "segment header truncated")));
        cases.add(new Hostile("FirstSequenceZero", b -> {
            byte[] c = b.clone();
            SegmentFormat.LONG.set(c, 8, 0L);
            return c;
        }, new Expected(1, 0, 0, 0, "declares first sequence 0")));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void everyHostileChangeIsFoundAndPlaced(Hostile hostile) throws Exception {
        Path file = work.resolve(hostile.name() + ".log");
        Files.write(file, hostile.change().apply(seedBytes.clone()));

        LogVerification result = ExportedFiles.verify(file);

        assertFalse(result.intact(), hostile.name());
        LogVerification.Damage damage = result.damage().orElseThrow();
        Expected expected = hostile.expected();
        assertEquals(file.toString(), damage.file());
        assertTrue(damage.problem().contains(expected.problem()), damage.problem());
        assertEquals(expected.sequence(), damage.sequence(), damage.toString());
        assertEquals(expected.offset(), damage.offset(), damage.toString());
        assertEquals(expected.verifiedThrough(), result.verifiedThrough(), result.toString());
        assertEquals(expected.head(), result.head(), result.toString());
        Map<String, Object> map = ExportedFiles.verifyToMap(file);
        assertEquals(Boolean.FALSE, map.get("intact"));
        assertEquals(Map.of("file", file.toString(), "offset", damage.offset(), "sequence", damage.sequence(),
                "problem", damage.problem()), map.get("damage"));
        System.out.println(hostile.name() + ": " + result);
    }

    @Test
    void anUntouchedExportIsIntactAndReportsItsHashes() throws Exception {
        Map<String, Object> map = ExportedFiles.verifyToMap(seed);
        assertEquals(List.of("file", "intact", "fromSequence", "verifiedThrough", "head", "anchor", "headHash", "damage"),
                List.copyOf(map.keySet()));
        assertEquals(seed.toString(), map.get("file"));
        assertEquals(Boolean.TRUE, map.get("intact"));
        assertEquals(3L, map.get("fromSequence"));
        assertEquals(12L, map.get("verifiedThrough"));
        assertEquals(12L, map.get("head"));
        assertEquals(seedExport.anchor().hex(), map.get("anchor"));
        assertEquals(records.get(1).hash().hex(), map.get("anchor"));
        assertEquals(seedExport.lastHash().hex(), map.get("headHash"));
        assertTrue(map.containsKey("damage"));
        assertNull(map.get("damage"));
    }

    @Test
    void aLiveSegmentOfAnotherLogIsAValidExportOfItsRecords() throws Exception {
        Path other = work.resolve("other");
        List<EventRecord> otherRecords;
        try (SegmentedEventLog log = SegmentedEventLog.open(other, OPTIONS)) {
            otherRecords = LogFiles.appendNotes(log, 12, "elsewhere");
            for (Path segment : LogFiles.segments(other)) {
                byte[] bytes = Files.readAllBytes(segment);
                List<LogFiles.Frame> inIt = LogFiles.frames(segment);
                long first = SegmentFormat.parseFileName(segment.getFileName().toString());
                long last = first + inIt.size() - 1;
                LogVerification result = ExportedFiles.verify(segment);
                assertEquals(new LogVerification(first, last, last, java.util.Optional.empty()), result, segment.toString());
                Map<String, Object> map = ExportedFiles.verifyToMap(segment);
                ChainHash anchor = first == 1 ? ChainHash.GENESIS : otherRecords.get((int) first - 2).hash();
                assertEquals(anchor.hex(), map.get("anchor"));
                assertEquals(otherRecords.get((int) last - 1).hash().hex(), map.get("headHash"));
                assertEquals(first, LogFiles.sequenceOf(bytes, inIt.get(0)));
            }
        }
    }

    @Test
    void aHeaderWithoutRecordsIsAnEmptyButIntactFile() throws Exception {
        Path file = work.resolve("header-only.log");
        Files.write(file, Arrays.copyOf(seedBytes, SegmentFormat.HEADER_BYTES));
        Map<String, Object> map = ExportedFiles.verifyToMap(file);
        assertEquals(Boolean.TRUE, map.get("intact"));
        assertEquals(3L, map.get("fromSequence"));
        assertEquals(2L, map.get("verifiedThrough"));
        assertEquals(2L, map.get("head"));
        assertEquals(map.get("anchor"), map.get("headHash"), "with no record, the head hash is the anchor");
    }

    @Test
    void aFileThatIsNotThereIsAClearError() {
        Path missing = work.resolve("no-such-export.log");
        BerthException e = assertThrows(BerthException.class, () -> ExportedFiles.verifyToMap(missing));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertEquals("verify exported event log " + missing + ": no such file", e.getMessage());
        BerthException dir = assertThrows(BerthException.class, () -> ExportedFiles.verify(work));
        assertEquals(ErrorKind.INVALID, dir.kind());
        assertTrue(dir.getMessage().endsWith(": not a regular file"), dir.getMessage());
    }

    /**
     * The CLI's view: a plain class loader with only the API and this bundle's classes, no OSGi, no test
     * classes, calling {@code verifyToMap} reflectively.
     */
    @Test
    void runsWithOnlyTheApiAndTheBundleOnAPlainClassLoader() throws Exception {
        URL bundle = ExportedFiles.class.getProtectionDomain().getCodeSource().getLocation();
        URL api = LogVerification.class.getProtectionDomain().getCodeSource().getLocation();
        Path damaged = work.resolve("damaged.log");
        Files.write(damaged, flip(frames.get(3).offset() + 40).apply(seedBytes.clone()));
        try (URLClassLoader loader = new URLClassLoader(new URL[] {bundle, api}, ClassLoader.getPlatformClassLoader())) {
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("org.osgi.framework.BundleContext"));
            Class<?> type = loader.loadClass(ExportedFiles.class.getName());
            assertFalse(type == ExportedFiles.class, "loaded apart from the test's copy");
            Method verify = type.getMethod("verifyToMap", Path.class);

            Map<?, ?> intact = (Map<?, ?>) verify.invoke(null, seed);
            assertEquals(Boolean.TRUE, intact.get("intact"));
            assertEquals(12L, intact.get("verifiedThrough"));
            Map<?, ?> broken = (Map<?, ?>) verify.invoke(null, damaged);
            assertEquals(Boolean.FALSE, broken.get("intact"));
            assertEquals(6L, ((Map<?, ?>) broken.get("damage")).get("sequence"));

            InvocationTargetException e = assertThrows(InvocationTargetException.class,
                    () -> verify.invoke(null, work.resolve("absent.log")));
            assertEquals("dev.berth.api.BerthException", e.getCause().getClass().getName());
            assertInstanceOf(Exception.class, e.getCause());
        }
    }

    private static UnaryOperator<byte[]> flip(long offset) {
        return b -> {
            b[(int) offset] ^= (byte) 0xFF;
            return b;
        };
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
