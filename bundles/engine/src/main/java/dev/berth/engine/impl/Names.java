package dev.berth.engine.impl;

import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

/** Docker-style generated container names: {@code adjective_noun}, with a number when those run out. */
final class Names {
    private static final List<String> ADJECTIVES = List.of("brave", "calm", "eager", "fond", "gentle", "happy",
            "jolly", "keen", "lucid", "merry", "nimble", "proud", "quiet", "steady", "swift", "tidy", "vivid",
            "wise", "zesty", "bold");
    private static final List<String> NOUNS = List.of("anchor", "buoy", "capstan", "dock", "ferry", "galley",
            "harbor", "jetty", "keel", "lighthouse", "mast", "pier", "quay", "rudder", "schooner", "tug", "wharf",
            "hull", "bollard", "cutter");

    private Names() {
    }

    /**
     * A name {@code free} accepts, or after 50 refusals {@code berth_<random hex>}, which is not offered
     * to it. {@code free} sees each candidate once and may take it as it answers (reserve it), so that
     * concurrent callers sharing one reservation set never get the same name.
     */
    static String generate(Random random, Predicate<String> free) {
        for (int attempt = 0; attempt < 50; attempt++) {
            String name = ADJECTIVES.get(random.nextInt(ADJECTIVES.size())) + "_"
                    + NOUNS.get(random.nextInt(NOUNS.size()));
            if (attempt > 10) {
                name += "_" + random.nextInt(10_000);
            }
            if (free.test(name)) {
                return name;
            }
        }
        return "berth_" + Long.toHexString(random.nextLong());
    }
}
