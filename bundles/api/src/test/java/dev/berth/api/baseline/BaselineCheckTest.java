package dev.berth.api.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import aQute.bnd.service.diff.Delta;
import aQute.bnd.version.Version;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The baseline check on a fixture API built by javac and bnd like berth-api: each test changes the API one way and
 * checks which package version the check demands, reading the baseline back from its committed text form.
 */
class BaselineCheckTest {
    private static final String PACKAGE_INFO = "fixture/stage/package-info.java";
    private static final String STAGE = "fixture/stage/Stage.java";
    private static final String ENGINE = "fixture/stage/Engine.java";

    /** The released API: a consumer-implemented interface, a provider-implemented one and a record, at 1.1.0. */
    private static final FixtureBundle RELEASED = new FixtureBundle()
            .source(PACKAGE_INFO, packageInfo("fixture.stage", "1.1.0"))
            .source(STAGE, """
                    package fixture.stage;

                    @org.osgi.annotation.versioning.ConsumerType
                    public interface Stage {
                        String run(String input);
                    }
                    """)
            .source(ENGINE, """
                    package fixture.stage;

                    @org.osgi.annotation.versioning.ProviderType
                    public interface Engine {
                        void start(Request request);
                    }
                    """)
            .source("fixture/stage/Request.java", """
                    package fixture.stage;

                    public record Request(String name) {
                    }
                    """);

    @TempDir
    static Path work;

    /** {@link #RELEASED}'s API as the check reads a baseline: back from its committed text form. */
    private static ApiSnapshot baseline;

    @BeforeAll
    static void recordTheReleasedApi() throws Exception {
        ApiSnapshot released = RELEASED.api(work);
        baseline = ApiSnapshot.parse(released.text(), "fixture baseline");
        assertEquals(released.text(), baseline.text(), "the text form keeps the whole tree");
    }

    @Test
    void unchangedApiPasses() throws Exception {
        assertEquals(List.of(), violations(RELEASED.copy()));
    }

    @Test
    void addedDefaultMethodWithoutABumpNeedsMinor() throws Exception {
        BaselineViolation violation = only(violations(RELEASED.copy().source(STAGE, """
                package fixture.stage;

                @org.osgi.annotation.versioning.ConsumerType
                public interface Stage {
                    String run(String input);

                    default String describe() {
                        return "stage";
                    }
                }
                """)));
        assertViolation(violation, Delta.MINOR, "1.2.0");
        assertTrue(violation.report().startsWith("Baseline mismatch for package fixture.stage, MINOR change."
                + " Current is 1.1.0, baseline is 1.1.0, suggest 1.2.0 or -"), violation.report());
        assertTrue(violation.report().contains("set @Version(\"1.2.0\") in fixture/stage/package-info.java"),
                violation.report());
        assertTrue(violation.report().contains("describe()"), "names the added method: " + violation.report());
    }

    @Test
    void addedDefaultMethodWithAMinorBumpPasses() throws Exception {
        assertEquals(List.of(), violations(RELEASED.copy()
                .source(PACKAGE_INFO, packageInfo("fixture.stage", "1.2.0"))
                .source(STAGE, """
                        package fixture.stage;

                        @org.osgi.annotation.versioning.ConsumerType
                        public interface Stage {
                            String run(String input);

                            default String describe() {
                                return "stage";
                            }
                        }
                        """)));
    }

    @Test
    void addedAbstractMethodToAConsumerTypeNeedsMajor() throws Exception {
        BaselineViolation violation = only(violations(RELEASED.copy().source(STAGE, """
                package fixture.stage;

                @org.osgi.annotation.versioning.ConsumerType
                public interface Stage {
                    String run(String input);

                    void cancel();
                }
                """)));
        assertViolation(violation, Delta.MAJOR, "2.0.0");
        assertTrue(violation.report().contains("suggest 2.0.0 or 1.2.0"), violation.report());
    }

    @Test
    void addedAbstractMethodToAProviderTypeNeedsMinor() throws Exception {
        assertViolation(only(violations(RELEASED.copy().source(ENGINE, """
                package fixture.stage;

                @org.osgi.annotation.versioning.ProviderType
                public interface Engine {
                    void start(Request request);

                    void stop();
                }
                """))), Delta.MINOR, "1.2.0");
    }

    @Test
    void removedMethodNeedsMajor() throws Exception {
        BaselineViolation violation = only(violations(RELEASED.copy().source(ENGINE, """
                package fixture.stage;

                @org.osgi.annotation.versioning.ProviderType
                public interface Engine {
                }
                """)));
        assertViolation(violation, Delta.MAJOR, "2.0.0");
        assertTrue(violation.report().contains("start(fixture.stage.Request)"), violation.report());
    }

    @Test
    void changedSignatureNeedsMajor() throws Exception {
        assertViolation(only(violations(RELEASED.copy().source(STAGE, """
                package fixture.stage;

                @org.osgi.annotation.versioning.ConsumerType
                public interface Stage {
                    String run(CharSequence input);
                }
                """))), Delta.MAJOR, "2.0.0");
    }

    @Test
    void removedMethodWithAMajorBumpPasses() throws Exception {
        assertEquals(List.of(), violations(RELEASED.copy()
                .source(PACKAGE_INFO, packageInfo("fixture.stage", "2.0.0"))
                .source(ENGINE, """
                        package fixture.stage;

                        @org.osgi.annotation.versioning.ProviderType
                        public interface Engine {
                        }
                        """)));
    }

    @Test
    void removedClassNeedsMajor() throws Exception {
        assertViolation(only(violations(RELEASED.copy().without("fixture/stage/Request.java").source(ENGINE, """
                package fixture.stage;

                @org.osgi.annotation.versioning.ProviderType
                public interface Engine {
                    void start(String request);
                }
                """))), Delta.MAJOR, "2.0.0");
    }

    @Test
    void loweredVersionFails() throws Exception {
        BaselineViolation violation = only(violations(RELEASED.copy()
                .source(PACKAGE_INFO, packageInfo("fixture.stage", "1.0.0"))));
        assertViolation(violation, Delta.MICRO, "1.1.1");
        assertTrue(violation.report().contains("the version went down"), violation.report());
    }

    @Test
    void droppedVersionAnnotationFails() throws Exception {
        BaselineViolation violation = only(violations(RELEASED.copy().source(PACKAGE_INFO, """
                @org.osgi.annotation.bundle.Export
                package fixture.stage;
                """).source(STAGE, """
                package fixture.stage;

                @org.osgi.annotation.versioning.ConsumerType
                public interface Stage {
                    String run(String input);

                    default String describe() {
                        return "stage";
                    }
                }
                """)));
        assertEquals("fixture.stage", violation.packageName());
        assertEquals(Optional.of(Version.parseVersion("1.2.0")), violation.neededVersion(), violation.report());
        assertTrue(violation.report().contains("Current is 0.1.0, baseline is 1.1.0"), violation.report());
        assertTrue(violation.report().contains("the version went down"), violation.report());
    }

    @Test
    void packageNoLongerExportedFails() throws Exception {
        BaselineViolation violation = only(violations(RELEASED.copy().source(PACKAGE_INFO, """
                @org.osgi.annotation.versioning.Version("1.1.0")
                package fixture.stage;
                """)));
        assertEquals("fixture.stage", violation.packageName());
        assertEquals(Delta.REMOVED, violation.change());
        assertEquals(Optional.empty(), violation.neededVersion());
        assertTrue(violation.report().contains("no longer exported"), violation.report());
    }

    @Test
    void addedPackagePasses() throws Exception {
        assertEquals(List.of(), violations(RELEASED.copy()
                .source("fixture/more/package-info.java", packageInfo("fixture.more", "1.0.0"))
                .source("fixture/more/Extra.java", """
                        package fixture.more;

                        public final class Extra {
                            public static final int LIMIT = 3;
                        }
                        """)));
    }

    @Test
    void failureReportNamesEachPackageAndHowToFixIt() throws Exception {
        List<BaselineViolation> violations = violations(RELEASED.copy().source(ENGINE, """
                package fixture.stage;

                @org.osgi.annotation.versioning.ProviderType
                public interface Engine {
                }
                """));
        String report = BaselineCheck.failureReport(FixtureBundle.BSN, violations, "baseline/fixture.txt",
                "refresh-command");
        assertTrue(report.startsWith("The API of fixture.api changed without the package version bumps it needs"
                + " (baseline: baseline/fixture.txt):"), report);
        assertTrue(report.contains("Baseline mismatch for package fixture.stage, MAJOR change. Current is 1.1.0,"
                + " baseline is 1.1.0, suggest 2.0.0"), report);
        assertTrue(report.contains("were @ProviderType"), "explains bnd's second suggestion: " + report);
        assertTrue(report.endsWith("refresh-command"), report);
    }

    /** The violations of {@code next} against the {@link #RELEASED} baseline. */
    private static List<BaselineViolation> violations(FixtureBundle next) throws Exception {
        return BaselineCheck.violations(next.api(work), baseline);
    }

    private static BaselineViolation only(List<BaselineViolation> violations) {
        assertEquals(1, violations.size(), () -> "one violation expected: " + violations);
        return violations.get(0);
    }

    private static void assertViolation(BaselineViolation violation, Delta change, String neededVersion) {
        assertEquals("fixture.stage", violation.packageName(), violation.report());
        assertEquals(change, violation.change(), violation.report());
        assertEquals(Optional.of(Version.parseVersion(neededVersion)), violation.neededVersion(), violation.report());
        assertTrue(violation.report().contains("@Version(\"" + neededVersion + "\")"), violation.report());
    }

    private static String packageInfo(String pkg, String version) {
        return "@org.osgi.annotation.versioning.Version(\"" + version + "\")\n"
                + "@org.osgi.annotation.bundle.Export\n"
                + "package " + pkg + ";\n";
    }
}
