package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A distribution copied elsewhere (as an install does) keeps its daemon's class-data archive: bin/berth
 * gives the daemon's JVM a class path relative to the distribution, which JDK 17 accepts at any location,
 * where it silently refused the absolute one the archive recorded.
 */
class CopiedDistributionIT {

    @Test
    void aCopiedDistributionsDaemonLoadsItsClassesFromTheArchive() throws Exception {
        boolean archive = Files.isRegularFile(Daemon.HOME.resolve("lib/daemon.jsa"));
        if (!archive) {
            System.out.println("SKIPPED: the build wrote no lib/daemon.jsa (its training start needs root)");
        }
        assumeTrue(archive, "no lib/daemon.jsa in " + Daemon.HOME);
        Path copy = Files.createTempDirectory("berth-copied-dist-").resolve("berth");
        Cli.Result cp = Cli.exec(List.of("cp", "-a", Daemon.HOME.toString(), copy.toString()), Map.of(), List.of(),
                null, 60);
        assertEquals(0, cp.exit(), cp.toString());
        // The same check the build's training script makes in place: a class of the launcher, from the archive.
        Cli.Result help = Cli.exec(List.of(copy.resolve("bin/berth").toString(), "daemon", "--help"),
                Map.of("BERTH_DAEMON_OPTS", "-Xlog:class+load=info:stdout"), List.of(), null, 60);
        assertTrue(help.stdout().contains("dev.berth.launcher.daemon.DaemonOptions source: shared objects file (top)"),
                "the copy at " + copy + " did not use lib/daemon.jsa:\n"
                        + help.stdout().lines().filter(l -> l.contains("DaemonOptions")).toList());
        Cli.exec(List.of("rm", "-rf", copy.getParent().toString()), Map.of(), List.of(), null, 60);
    }
}
