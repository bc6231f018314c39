package dev.berth.api.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import aQute.bnd.service.diff.Delta;
import aQute.bnd.version.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The committed baseline of berth-api ({@code baseline/dev.berth.api.txt}) reads back whole, and the check finds a
 * break in the real API: the baseline against itself passes, and without a method of a dev.berth.api.stage
 * interface the package needs a major bump. Whether the API as built passes is ApiBaselineIT's job, once the jar
 * exists; it also fails the build when the baseline file is missing, which these tests skip.
 */
class CommittedBaselineTest {
    private static final Path BASELINE = Path.of("baseline", "dev.berth.api.txt");
    private static final String STAGE = "dev.berth.api.stage";

    private String text;

    @BeforeEach
    void readBaseline() throws Exception {
        assumeTrue(Files.isRegularFile(BASELINE), "no committed baseline at " + BASELINE.toAbsolutePath());
        text = Files.readString(BASELINE, StandardCharsets.UTF_8);
    }

    @Test
    void readsBackAsWrittenWithEveryExportedPackageVersioned() throws Exception {
        ApiSnapshot baseline = ApiSnapshot.read(BASELINE);
        assertEquals(text.lines().filter(line -> !line.startsWith("#")).toList(), baseline.text().lines().toList());
        assertEquals("dev.berth.api", baseline.bsn());
        Map<String, Optional<Version>> versions = baseline.packageVersions();
        assertTrue(versions.containsKey(STAGE), versions::toString);
        assertEquals(baseline.annotatedVersions(), versions);
        versions.forEach((pkg, version) -> assertTrue(version.isPresent(), pkg + " has no version"));
    }

    @Test
    void theBaselineAgainstItselfPasses() throws Exception {
        ApiSnapshot baseline = ApiSnapshot.read(BASELINE);
        assertEquals(List.of(), BaselineCheck.violations(baseline, baseline));
    }

    @Test
    void aRemovedStageMethodNeedsAMajorBump() throws Exception {
        ApiSnapshot baseline = ApiSnapshot.read(BASELINE);
        Version released = baseline.packageVersions().get(STAGE).orElseThrow();
        ApiSnapshot broken = ApiSnapshot.parse(withoutFirstMethodOf(STAGE), "baseline without a stage method");

        List<BaselineViolation> violations = BaselineCheck.violations(broken, baseline);

        assertEquals(1, violations.size(), violations::toString);
        BaselineViolation violation = violations.get(0);
        Version needed = new Version(released.getMajor() + 1, 0, 0);
        assertEquals(STAGE, violation.packageName());
        assertEquals(Delta.MAJOR, violation.change());
        assertEquals(Optional.of(needed), violation.neededVersion());
        assertTrue(violation.report().startsWith("Baseline mismatch for package " + STAGE + ", MAJOR change. Current"
                + " is " + released + ", baseline is " + released + ", suggest " + needed), violation.report());
    }

    /** The baseline text without the first METHOD node in package {@code pkg} and the nodes under it. */
    private String withoutFirstMethodOf(String pkg) {
        List<String> lines = text.lines().toList();
        int packageLine = lines.indexOf("    PACKAGE MINOR/MAJOR " + pkg);
        assertTrue(packageLine >= 0, "no package " + pkg + " in " + BASELINE);
        int method = packageLine + 1;
        while (!lines.get(method).stripLeading().startsWith("METHOD ")) {
            method++;
        }
        int indent = indent(lines.get(method));
        int end = method + 1;
        while (end < lines.size() && indent(lines.get(end)) > indent) {
            end++;
        }
        return String.join("\n", lines.subList(0, method)) + "\n" + String.join("\n", lines.subList(end, lines.size()));
    }

    private static int indent(String line) {
        return line.length() - line.stripLeading().length();
    }
}
