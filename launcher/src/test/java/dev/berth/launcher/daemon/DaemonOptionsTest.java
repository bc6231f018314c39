package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.launcher.Builtins;
import dev.berth.launcher.UsageException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parsing of {@code berth daemon} options and the framework properties they turn into. */
class DaemonOptionsTest {

    private static final Path HOME = Path.of("/opt/berth");

    private static DaemonOptions parse(String... args) throws UsageException {
        return DaemonOptions.of(DaemonOptions.parser().parse(List.of(args)), HOME);
    }

    @Test
    void defaults() throws Exception {
        DaemonOptions options = parse();
        assertEquals(Path.of("/var/lib/berth"), options.root());
        assertEquals(Path.of("/run/berth"), options.run());
        assertEquals(Path.of("/opt/berth/plugins"), options.plugins());
        assertEquals(Optional.empty(), options.tcp());
        assertEquals(Duration.ofSeconds(60), options.readyTimeout());
    }

    @Test
    void relativeFoldersBecomeAbsolute() throws Exception {
        DaemonOptions options = parse("--root", "state", "--run=run/../rundir", "--plugins", "/srv/p");
        assertEquals(Path.of("state").toAbsolutePath(), options.root());
        assertEquals(Path.of("rundir").toAbsolutePath(), options.run());
        assertEquals(Path.of("/srv/p"), options.plugins());
    }

    /**
     * bin/berth runs the daemon in its distribution folder (the class-data archive needs a class path
     * relative to it) and names the caller's folder in berth.cwd: relative paths are the caller's.
     */
    @Test
    void relativePathsAreTheCallersFolderWhenBinBerthNamesIt() throws Exception {
        String before = System.getProperty("berth.cwd");
        System.setProperty("berth.cwd", "/home/ops/work");
        try {
            DaemonOptions options = parse("--root", "state", "--run=run/../rundir", "--plugins", "/srv/p",
                    "--tcp", "127.0.0.1:2376", "--tlscert", "certs/cert.pem", "--tlskey", "/etc/berth/key.pem",
                    "--tlscacert", "../ca.pem");
            assertEquals(Path.of("/home/ops/work/state"), options.root());
            assertEquals(Path.of("/home/ops/work/rundir"), options.run());
            assertEquals(Path.of("/srv/p"), options.plugins());
            assertEquals(Path.of("/home/ops/work/certs/cert.pem"), options.tls().orElseThrow().cert());
            assertEquals(Path.of("/etc/berth/key.pem"), options.tls().orElseThrow().key());
            assertEquals(Path.of("/home/ops/ca.pem"), options.tls().orElseThrow().clientCa());
        } finally {
            if (before == null) {
                System.clearProperty("berth.cwd");
            } else {
                System.setProperty("berth.cwd", before);
            }
        }
    }

    @Test
    void unknownOptionIsNamed() {
        UsageException e = assertThrows(UsageException.class, () -> parse("--data-root", "/x"));
        assertEquals("berth daemon: unknown option --data-root", e.getMessage());
    }

    /** The TLS options every TCP listener needs. */
    private static final List<String> TLS = List.of("--tlscert", "/etc/berth/cert.pem", "--tlskey",
            "/etc/berth/key.pem", "--tlscacert", "/etc/berth/ca.pem");

    private static DaemonOptions parseWithTls(String... args) throws UsageException {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(TLS);
        return parse(all.toArray(String[]::new));
    }

    @Test
    void tcpNeedsHostAndPort() throws Exception {
        DaemonOptions options = parseWithTls("--tcp", "127.0.0.1:2375");
        assertEquals(Optional.of("127.0.0.1:2375"), options.tcp());
        assertEquals(Path.of("/etc/berth/ca.pem"), options.tls().orElseThrow().clientCa());
        for (String bad : List.of("2375", ":2375", "host:", "host:70000", "host:http")) {
            UsageException e = assertThrows(UsageException.class, () -> parseWithTls("--tcp", bad), bad);
            assertTrue(e.getMessage().startsWith("berth daemon: --tcp needs HOST:PORT"), e.getMessage());
        }
    }

    static Stream<Arguments> tcpWithoutTls() {
        return Stream.of(
                Arguments.of("NoTlsAtAll", List.of("--tcp", "127.0.0.1:2375"), "--tcp needs --tlscert"),
                Arguments.of("NoKey", List.of("--tcp", "127.0.0.1:2375", "--tlscert", "/c", "--tlscacert", "/a"),
                        "missing --tlskey"),
                Arguments.of("NoClientCa", List.of("--tcp", "127.0.0.1:2375", "--tlscert", "/c", "--tlskey", "/k"),
                        "missing --tlscacert"),
                Arguments.of("TlsWithoutTcp", List.of("--tlscert", "/c"), "--tlscert is for the TCP listener"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tcpWithoutTls")
    void tcpIsServedOnlyWithTlsAndClientCertificates(String name, List<String> args, String expected) {
        UsageException e = assertThrows(UsageException.class, () -> parse(args.toArray(String[]::new)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void frameworkPropertiesCarryFolderFileInstallAndBuiltins() {
        DaemonOptions options = new DaemonOptions(Path.of("/r"), Path.of("/d"), Path.of("/p"), Duration.ofSeconds(1));
        Map<String, Object> properties = new Daemon(options, HOME, System.out, System.err, () -> 0)
                .frameworkProperties();

        assertEquals("/d/felix-cache", properties.get("org.osgi.framework.storage"));
        assertEquals("onFirstInit", properties.get("org.osgi.framework.storage.clean"));
        assertEquals("sun.misc,sun.nio.ch", properties.get("org.osgi.framework.system.packages.extra"));
        assertEquals("/p", properties.get("felix.fileinstall.dir"));
        assertEquals("100", properties.get("felix.fileinstall.poll"));
        String filter = (String) properties.get("felix.fileinstall.filter");
        for (String taken : List.of("crun.jar", "dev.berth.plugin.spec.impl.OciSpecStage.cfg", "x.config")) {
            assertTrue(taken.matches(filter), taken + " is picked up");
        }
        for (String ignored : List.of(".crun.jar.1234.part", ".crun.jar", "crun.jar.part", ".crun.jar.previous")) {
            assertFalse(ignored.matches(filter), ignored + " is not picked up");
        }
        assertEquals("multiple", properties.get("org.osgi.framework.bsnversion"), "berth plugin update inspects a rebuild");
        assertEquals("true", properties.get("felix.fileinstall.noInitialDelay"));
        assertEquals("true", properties.get("felix.fileinstall.bundles.new.start"));
        assertEquals("3", properties.get("felix.fileinstall.log.level"));
        assertEquals("/r", properties.get("berth.root"));
        assertEquals("/d", properties.get("berth.run"));
        assertEquals(dev.berth.launcher.BerthVersion.get(), properties.get("berth.version"));
        assertEquals(Builtins.asProperty(), properties.get("berth.builtins"));
        assertFalse(properties.containsKey("berth.api.tcp"), "no TCP unless --tcp is given");
        assertEquals("test.a,test.b", new Daemon(options, HOME, System.out, System.err, () -> 0,
                List.of("test.a", "test.b")).frameworkProperties().get("berth.builtins"));

        DaemonOptions withTcp = new DaemonOptions(Path.of("/r"), Path.of("/d"), Path.of("/p"),
                Optional.of("127.0.0.1:2375"), Duration.ofSeconds(1), Optional.empty(), Optional.of(
                        new DaemonOptions.TlsFiles(Path.of("/c.pem"), Path.of("/k.pem"), Path.of("/ca.pem"))));
        assertEquals("127.0.0.1:2375", new Daemon(withTcp, HOME, System.out, System.err, () -> 0)
                .frameworkProperties().get("berth.api.tcp"));
    }

    @Test
    void stageTimeoutIsEmptyUnlessGiven() throws Exception {
        assertEquals(Optional.empty(), parse().stageTimeout());
        assertEquals(Optional.empty(), parse("--ready-timeout", "5").stageTimeout(), "only --stage-timeout sets it");
        assertEquals(Optional.empty(), new DaemonOptions(Path.of("/r"), Path.of("/d"), Path.of("/p"), Duration.ofSeconds(1)).stageTimeout(), "the short constructor keeps the engine's default");
    }

    static Stream<Arguments> validStageTimeouts() {
        return Stream.of(
                Arguments.of("OneSecond", List.of("--stage-timeout", "1"), Duration.ofSeconds(1)),
                Arguments.of("TwoMinutes", List.of("--stage-timeout", "120"), Duration.ofMinutes(2)),
                Arguments.of("EqualsForm", List.of("--stage-timeout=30"), Duration.ofSeconds(30)),
                Arguments.of("ADay", List.of("--stage-timeout", "86400"), Duration.ofDays(1)),
                Arguments.of("LeadingZeros", List.of("--stage-timeout", "007"), Duration.ofSeconds(7)),
                Arguments.of("WithOtherOptions", List.of("--tcp", "127.0.0.1:2375", "--tlscert", "/c", "--tlskey", "/k",
                        "--tlscacert", "/a", "--stage-timeout", "45", "--ready-timeout", "9"), Duration.ofSeconds(45)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validStageTimeouts")
    void stageTimeoutInSeconds(String name, List<String> args, Duration expected) throws Exception {
        DaemonOptions options = parse(args.toArray(String[]::new));

        assertEquals(Optional.of(expected), options.stageTimeout());
        assertEquals(args.contains("--ready-timeout") ? Duration.ofSeconds(9) : Duration.ofSeconds(60),
                options.readyTimeout(), "the ready timeout is its own option");
    }

    static Stream<Arguments> badStageTimeouts() {
        return Stream.of(
                Arguments.of("Zero", "0"),
                Arguments.of("Negative", "-5"),
                Arguments.of("MinusZero", "-0"),
                Arguments.of("NotANumber", "soon"),
                Arguments.of("WithUnit", "30s"),
                Arguments.of("Fraction", "1.5"),
                Arguments.of("Empty", ""),
                Arguments.of("Blank", " "),
                Arguments.of("SurroundingSpaces", " 30 "),
                Arguments.of("Hex", "0x10"),
                Arguments.of("LargerThanALong", "99999999999999999999"),
                Arguments.of("Exponent", "1e3"),
                Arguments.of("MoreThanADay", "86401"),
                Arguments.of("LongMax", "9223372036854775807"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badStageTimeouts")
    void badStageTimeoutIsAUsageErrorNamingTheOptionAndValue(String name, String value) {
        UsageException e = assertThrows(UsageException.class, () -> parse("--stage-timeout", value));

        assertEquals("berth daemon: --stage-timeout needs a number of seconds from 1 to 86400, got '" + value + "'",
                e.getMessage());
        assertTrue(e.usage().contains("--stage-timeout SECONDS"), e.usage());
    }

    @Test
    void stageTimeoutWithoutValueOrTwiceIsAUsageError() {
        UsageException missing = assertThrows(UsageException.class, () -> parse("--stage-timeout"));
        assertTrue(missing.getMessage().contains("--stage-timeout"), missing.getMessage());

        UsageException twice = assertThrows(UsageException.class,
                () -> parse("--stage-timeout", "5", "--stage-timeout", "6"));
        assertTrue(twice.getMessage().contains("--stage-timeout"), twice.getMessage());
    }

    @Test
    void usageDescribesTheStageTimeout() {
        assertTrue(DaemonOptions.USAGE.contains("[--stage-timeout SECONDS]"), DaemonOptions.USAGE);
        assertTrue(DaemonOptions.USAGE.contains("--stage-timeout"), DaemonOptions.USAGE);
    }

    @Test
    void stageTimeoutReachesTheEngineAsAFrameworkPropertyOnlyWhenGiven() {
        DaemonOptions without = new DaemonOptions(Path.of("/r"), Path.of("/d"), Path.of("/p"), Duration.ofSeconds(1));
        DaemonOptions with = new DaemonOptions(Path.of("/r"), Path.of("/d"), Path.of("/p"), Duration.ofSeconds(1), Optional.of(Duration.ofSeconds(45)));

        assertFalse(new Daemon(without, HOME, System.out, System.err, () -> 0).frameworkProperties()
                .containsKey("berth.stage.timeout"), "absent: the engine keeps its default");
        assertEquals("45", new Daemon(with, HOME, System.out, System.err, () -> 0).frameworkProperties()
                .get("berth.stage.timeout"));
    }

    @Test
    void theFullConstructorRefusesANullStageTimeout() {
        assertThrows(NullPointerException.class, () -> new DaemonOptions(Path.of("/r"), Path.of("/d"), Path.of("/p"),
                Duration.ofSeconds(1), null));
    }
}
