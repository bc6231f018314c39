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
import org.junit.jupiter.api.Test;

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

    @Test
    void unknownOptionIsNamed() {
        UsageException e = assertThrows(UsageException.class, () -> parse("--data-root", "/x"));
        assertEquals("berth daemon: unknown option --data-root", e.getMessage());
    }

    @Test
    void tcpNeedsHostAndPort() throws Exception {
        assertEquals(Optional.of("127.0.0.1:2375"), parse("--tcp", "127.0.0.1:2375").tcp());
        for (String bad : List.of("2375", ":2375", "host:", "host:70000", "host:http")) {
            UsageException e = assertThrows(UsageException.class, () -> parse("--tcp", bad), bad);
            assertTrue(e.getMessage().startsWith("berth daemon: --tcp needs HOST:PORT"), e.getMessage());
        }
    }

    @Test
    void frameworkPropertiesCarryFolderFileInstallAndBuiltins() {
        DaemonOptions options = new DaemonOptions(Path.of("/r"), Path.of("/d"), Path.of("/p"), Optional.empty(),
                Duration.ofSeconds(1));
        Map<String, Object> properties = new Daemon(options, HOME, System.out, System.err, () -> 0)
                .frameworkProperties();

        assertEquals("/d/felix-cache", properties.get("org.osgi.framework.storage"));
        assertEquals("onFirstInit", properties.get("org.osgi.framework.storage.clean"));
        assertEquals("sun.misc,sun.nio.ch", properties.get("org.osgi.framework.system.packages.extra"));
        assertEquals("/p", properties.get("felix.fileinstall.dir"));
        assertEquals("500", properties.get("felix.fileinstall.poll"));
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
                Optional.of("127.0.0.1:2375"), Duration.ofSeconds(1));
        assertEquals("127.0.0.1:2375", new Daemon(withTcp, HOME, System.out, System.err, () -> 0)
                .frameworkProperties().get("berth.api.tcp"));
    }
}
