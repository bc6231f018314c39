package dev.berth.api.baseline;

import aQute.bnd.differ.Baseline;
import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.osgi.Instructions;
import aQute.bnd.osgi.Processor;
import aQute.bnd.service.diff.Delta;
import aQute.bnd.version.Version;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Formatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Checks that each exported package's version says what changed in it since the baseline, using bnd's own
 * {@link Baseline} (the logic behind bnd's {@code -baseline} and the bnd-baseline-maven-plugin), so a package
 * that gained API needs at least a minor bump and one that lost or changed API needs a major bump.
 *
 * <p>Beyond what bnd reports per package, two things fail the check because bnd's package check lets them pass:
 * a package that is no longer exported (bnd only flags that in the bundle version, which a 0.x bundle never
 * fails), and a package version that went down, e.g. when a {@code @Version} is deleted and bnd exports the package
 * at the bundle's 0.x version, where bnd's semantic-versioning rules stop checking.
 */
final class BaselineCheck {
    private BaselineCheck() {
    }

    /** The packages of {@code current} whose versions do not match their changes since {@code baseline}. */
    static List<BaselineViolation> violations(ApiSnapshot current, ApiSnapshot baseline) throws Exception {
        Set<Baseline.Info> infos;
        try (Processor reporter = new Processor()) {
            infos = new Baseline(reporter, new DiffPluginImpl()).baseline(current.tree(), current.exports(),
                    baseline.tree(), baseline.exports(), new Instructions());
            if (!reporter.isOk()) {
                throw new IllegalStateException("bnd could not baseline " + current.bsn() + ": "
                        + String.join("; ", reporter.getErrors()));
            }
        }
        List<BaselineViolation> violations = new ArrayList<>();
        infos.stream()
                .sorted(Comparator.comparing(info -> info.packageName))
                .forEach(info -> violation(info).ifPresent(violations::add));
        return violations;
    }

    private static Optional<BaselineViolation> violation(Baseline.Info info) {
        Delta change = info.packageDiff.getDelta();
        if (change == Delta.REMOVED) {
            String report = String.format(Locale.ROOT, "Baseline mismatch for package %s, REMOVED. Baseline is %s;"
                    + " the package is no longer exported%n  -> every importer of it breaks: export it again, or"
                    + " refresh the baseline at a major release", info.packageName, info.olderVersion);
            return Optional.of(new BaselineViolation(info.packageName, change, Optional.empty(), report));
        }
        boolean wentDown = change != Delta.ADDED && info.newerVersion.compareTo(info.olderVersion) < 0;
        if (!info.mismatch && !wentDown) {
            return Optional.empty();
        }
        Version needed = info.mismatch ? info.suggestedVersion : max(info.suggestedVersion, info.olderVersion);
        return Optional.of(mismatch(info, change, needed, wentDown ? String.format(Locale.ROOT,
                "%n  (the version went down: a package's version never goes below its baseline's; was its @Version"
                        + " removed?)") : ""));
    }

    /** bnd's "Baseline mismatch" report for one package, as bnd's {@code -baseline} words it. */
    private static BaselineViolation mismatch(Baseline.Info info, Delta change, Version needed, String note) {
        StringBuilder report = new StringBuilder();
        try (Formatter f = new Formatter(report, Locale.ROOT)) {
            f.format("Baseline mismatch for package %s, %s change. Current is %s, baseline is %s, suggest %s or %s%s%n",
                    info.packageName, change, info.newerVersion, info.olderVersion, needed,
                    info.suggestedIfProviders == null ? "-" : info.suggestedIfProviders, note);
            f.format("  -> set @Version(\"%s\") in %s/package-info.java%n", needed,
                    info.packageName.replace('.', '/'));
            f.format("%#2S", info.packageDiff);
        }
        return new BaselineViolation(info.packageName, change, Optional.of(needed), report.toString().stripTrailing());
    }

    private static Version max(Version a, Version b) {
        return a == null || a.compareTo(b) < 0 ? b : a;
    }

    /**
     * The message a failed check ends the build with: every violation, then how to fix them.
     *
     * @param baseline where the baseline was read from, as the reader should find it
     * @param refresh the command that rewrites the baseline from the current API
     */
    static String failureReport(String bsn, List<BaselineViolation> violations, String baseline, String refresh) {
        StringBuilder report = new StringBuilder();
        report.append("The API of ").append(bsn).append(" changed without the package version bumps it needs ")
                .append("(baseline: ").append(baseline).append("):\n\n");
        violations.forEach(violation -> report.append(violation.report()).append("\n\n"));
        report.append("Bump each package's @Version in its package-info.java (src/main/java) to the suggested")
                .append(" version.");
        if (violations.stream().anyMatch(violation -> violation.change() == Delta.MAJOR)) {
            report.append(" (After 'or', bnd names the version that would do if the interfaces with major changes")
                    .append(" were @ProviderType; that helps only where methods were added, not removed or")
                    .append(" changed.)");
        }
        report.append(" At a release, once the versions are right, record the released API as the new baseline: ")
                .append(refresh);
        return report.toString();
    }
}
