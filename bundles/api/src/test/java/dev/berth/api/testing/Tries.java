package dev.berth.api.testing;

import java.time.Duration;
import java.util.Random;

/**
 * A small seeded property runner for JUnit Jupiter tests: a property is a check run over inputs drawn from a
 * {@link Random}, a bounded number of tries within a time budget. Every try has its own seed, derived from the
 * property's base seed, and a failing try is reported with both, so it can be replayed exactly:
 * {@code -Dberth.fuzz.replay=<try seed>} runs only that try, {@code -Dberth.fuzz.seed=<base seed>} reruns the whole
 * property. The default base seed is fixed per property name, so every build draws the same inputs;
 * {@code -Dberth.fuzz.seed=random} draws fresh ones and {@code -Dberth.fuzz.scale=N} multiplies tries and budget
 * for a longer local run. Writes no files and prints nothing unless a try fails. Shared with other modules' tests
 * through the api module's test-jar. Stateless and thread-safe.
 */
public final class Tries {
    /** One try of a property. */
    @FunctionalInterface
    public interface Body {
        void run(Random random, int index) throws Exception;
    }

    private Tries() {
    }

    /**
     * Runs {@code body} {@code tries} times, stopping early (after at least one try) once {@code budget} is spent.
     *
     * @return how many tries ran
     * @throws AssertionError naming the property, the try, its seed and the base seed when a try fails
     */
    public static int check(String property, int tries, Duration budget, Body body) {
        String replay = System.getProperty("berth.fuzz.replay");
        if (replay != null && !replay.isBlank()) {
            runOne(property, Long.parseLong(replay.trim()), 0, Long.parseLong(replay.trim()), body);
            return 1;
        }
        String configured = System.getProperty("berth.fuzz.seed", "");
        long base = configured.isBlank() ? property.hashCode()
                : configured.equals("random") ? System.nanoTime() : Long.parseLong(configured.trim());
        int scale = Math.max(1, Integer.getInteger("berth.fuzz.scale", 1));
        long deadline = System.nanoTime() + budget.toNanos() * scale;
        int ran = 0;
        Random seeds = new Random(base);
        for (int i = 0; i < tries * scale; i++) {
            if (i > 0 && System.nanoTime() > deadline) {
                break;
            }
            runOne(property, seeds.nextLong(), i, base, body);
            ran++;
        }
        return ran;
    }

    private static void runOne(String property, long seed, int index, long base, Body body) {
        try {
            body.run(new Random(seed), index);
        } catch (Throwable t) {
            throw new AssertionError(property + ": try " + index + " failed (replay it with -Dberth.fuzz.replay="
                    + seed + ", or the whole run with -Dberth.fuzz.seed=" + base + "): " + t, t);
        }
    }
}
