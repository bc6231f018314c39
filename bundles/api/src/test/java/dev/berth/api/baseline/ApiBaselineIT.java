package dev.berth.api.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The build's API baseline check of berth-api. Failsafe runs it once the bundle jar is packaged, so it reads the
 * {@code Export-Package} versions bnd wrote from each {@code package-info.java} {@code @Version}, and a violation
 * fails {@code mvn verify} with bnd's report naming the package and the version it needs.
 *
 * <p>The baseline is the API as last released, committed as text in {@code bundles/api/baseline/}; at a release
 * {@link ApiBaselineRefresh} records the current API there instead ({@value #REFRESH_COMMAND}).
 */
class ApiBaselineIT {
    static final String REFRESH_COMMAND = "mvn -B -ntp verify -pl bundles/api -am -Pbaseline-refresh";

    /** The API of the bundle just packaged. */
    private static ApiSnapshot current;

    @BeforeAll
    static void readThePackagedBundle() throws Exception {
        current = ApiSnapshot.ofBundle(path("berth.api.bundle"));
    }

    @Test
    void exportedPackagesAreVersionedForTheirChangesSinceTheBaseline() throws Exception {
        Path baseline = path("berth.api.baseline");
        assertTrue(Files.isRegularFile(baseline), "no API baseline at " + baseline + "; record the current API as"
                + " the baseline with: " + REFRESH_COMMAND);
        List<BaselineViolation> violations = BaselineCheck.violations(current, ApiSnapshot.read(baseline));
        if (!violations.isEmpty()) {
            fail(BaselineCheck.failureReport(current.bsn(), violations, baseline.toString(), REFRESH_COMMAND));
        }
    }

    @Test
    void exportVersionsAreThePackageInfoVersions() {
        assertEquals(current.annotatedVersions(), current.packageVersions(), "each exported package's version in"
                + " the manifest must be the @Version of its package-info.java, which is what this check compares");
    }

    /** A path the api pom passes to failsafe; run from an IDE, set it the same way. */
    static Path path(String property) {
        String value = System.getProperty(property);
        assertTrue(value != null && !value.isBlank(), "system property " + property + " is not set; the api pom"
                + " sets it for failsafe");
        return Path.of(value);
    }
}
