package dev.berth.api.baseline;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Records the API of the berth-api bundle just packaged as the committed baseline, at a release, once every
 * package's {@code @Version} is right: {@value ApiBaselineIT#REFRESH_COMMAND}. The baseline-refresh profile has
 * failsafe run this instead of {@link ApiBaselineIT}; no build runs it otherwise.
 */
class ApiBaselineRefresh {
    @Test
    void recordsTheCurrentApiAsTheBaseline() throws Exception {
        ApiSnapshot current = ApiSnapshot.ofBundle(ApiBaselineIT.path("berth.api.bundle"));
        Path baseline = ApiBaselineIT.path("berth.api.baseline");
        current.write(baseline, String.join("\n",
                "The API of " + current.bsn() + " as last released: bnd's diff tree of its exported packages,",
                "one node a line as TYPE ADD/REMOVE name (see src/test/java/dev/berth/api/baseline/ApiTreeText).",
                "The build checks each package's @Version against it (ApiBaselineIT). Do not edit by hand:",
                "at a release, refresh it from the repository root with",
                "  " + ApiBaselineIT.REFRESH_COMMAND));
        StringBuilder packages = new StringBuilder();
        current.packageVersions().forEach((pkg, version) -> packages.append("\n  ").append(pkg).append(' ')
                .append(version.map(Object::toString).orElse("(no version)")));
        System.out.println("Recorded the API of " + current.bsn() + " as the baseline in " + baseline + ":" + packages);
    }
}
