package dev.berth.api.baseline;

import aQute.bnd.service.diff.Delta;
import aQute.bnd.version.Version;
import java.util.Optional;

/**
 * One exported package whose version does not say what changed in it since the baseline.
 *
 * @param packageName the package, e.g. {@code dev.berth.api.stage}
 * @param change what bnd found changed in the package: MAJOR, MINOR or MICRO, or REMOVED for a package no longer
 *     exported
 * @param neededVersion the lowest export version that would be correct, when a version bump can fix it; empty for
 *     a removed package, which only a new baseline (at a major release) accepts
 * @param report bnd's report for the package: the "Baseline mismatch" line and the changes beneath it
 */
record BaselineViolation(String packageName, Delta change, Optional<Version> neededVersion, String report) {
    @Override
    public String toString() {
        return report;
    }
}
