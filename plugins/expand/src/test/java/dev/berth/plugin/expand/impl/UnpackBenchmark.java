package dev.berth.plugin.expand.impl;


import dev.berth.api.plugin.ScratchFolder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Times {@link LayerUnpacker} on a real layer: a harness run by hand, not a test, since it needs big local tars
 * and minutes of disk time: {@code java -cp CLASSES:TEST-CLASSES:DEPS dev.berth.plugin.expand.impl.UnpackBenchmark
 * TAR [RUNS [WARMUPS]]} (also under {@code strace -c -f} to count system calls per entry).
 *
 * <p>Each run unpacks into a fresh directory under {@code berth.bench.dir} (default {@code /var/tmp}), and
 * the tree is synced and deleted outside the timed part, so no run pays for another's writeback.
 * {@code -Dberth.bench.keep=true} leaves the trees (and skips the sync), so that a syscall count of the
 * process covers the unpack alone.
 */
final class UnpackBenchmark {
    private UnpackBenchmark() {
    }


    public static void main(String[] args) throws Exception {
        bench(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 5,
                args.length > 2 ? Integer.parseInt(args[2]) : 1);
    }

    static void bench(Path tar, int runs, int warmups) throws Exception {
        Path base = Path.of(System.getProperty("berth.bench.dir", "/var/tmp"));
        LayerUnpacker unpacker = new LayerUnpacker();
        List<Long> millis = new ArrayList<>();
        UnpackResult last = null;
        for (int i = 0; i < warmups + runs; i++) {
            Path target = Files.createTempDirectory(base, "berth-unpack-bench-");
            try {
                long t0 = System.nanoTime();
                try (InputStream in = Files.newInputStream(tar)) {
                    last = unpacker.unpack(in, target);
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (i >= warmups) {
                    millis.add(ms);
                }
                System.out.printf("%s run %d%s: %d ms%n", tar.getFileName(), i + 1 - warmups,
                        i < warmups ? " (warm-up)" : "", ms);
            } finally {
                if (Boolean.getBoolean("berth.bench.keep")) {
                    System.out.println("kept " + target);
                } else {
                    sync(target);
                    ScratchFolder.delete(target);
                }
            }
        }
        if (millis.isEmpty()) {
            return;
        }
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        System.out.printf("%s: %d entries, %d bytes; runs %s; median %d ms, min %d, max %d%n", tar.getFileName(),
                last.entries(), last.bytes(), millis, sorted.get(sorted.size() / 2), sorted.get(0),
                sorted.get(sorted.size() - 1));
    }

    /** syncfs of the tree's filesystem, so its writeback is not charged to the next run. */
    private static void sync(Path dir) throws IOException, InterruptedException {
        new ProcessBuilder("sync", "-f", dir.toString()).inheritIO().start().waitFor();
    }
}
