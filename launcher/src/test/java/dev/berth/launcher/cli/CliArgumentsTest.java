package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Command-line parsing of the client: global options, commands, their options, and endpoint forms. */
class CliArgumentsTest {

    private final CapturedOutput out = new CapturedOutput();
    private final CapturedOutput err = new CapturedOutput();

    private int berth(Map<String, String> env, String... args) {
        return Cli.run(List.of(args), env, out.stream(), err.stream());
    }

    private int berth(String... args) {
        return berth(Map.of(), args);
    }

    private String firstErrorLine() {
        return err.text().lines().findFirst().orElse("");
    }

    @Test
    void unknownCommandOptionIsAUsageErrorNamingIt() {
        assertEquals(2, berth("events", "--folow"));
        assertEquals("berth events: unknown option --folow", firstErrorLine());
        assertTrue(err.text().contains("Usage: berth events"), err.text());
        assertEquals("", out.text());
    }

    @Test
    void unknownShortOptionIsNamedToo() {
        assertEquals(2, berth("plugins", "-x"));
        assertEquals("berth plugins: unknown option -x", firstErrorLine());
    }

    @Test
    void unknownGlobalOptionIsAUsageError() {
        assertEquals(2, berth("--debug", "info"));
        assertEquals("berth: unknown option --debug", firstErrorLine());
        assertTrue(err.text().contains("Usage: berth [OPTIONS] COMMAND"), err.text());
    }

    @Test
    void unknownCommandIsAUsageError() {
        assertEquals(2, berth("frobnicate"));
        assertEquals("berth: unknown command 'frobnicate'", firstErrorLine());
    }

    @Test
    void missingCommandIsAUsageError() {
        assertEquals(2, berth("-H", "unix:///x.sock"));
        assertEquals("berth: missing command", firstErrorLine());
    }

    @Test
    void optionWithoutValueIsAUsageError() {
        assertEquals(2, berth("events", "--since"));
        assertEquals("berth events: option --since needs a value (T)", firstErrorLine());
    }

    @Test
    void singleValuedOptionGivenTwiceIsAUsageError() {
        assertEquals(2, berth("events", "--since", "1m", "--since=2m"));
        assertEquals("berth events: option --since given more than once", firstErrorLine());
    }

    @Test
    void badFilterIsAUsageErrorNamingIt() {
        assertEquals(2, berth("-H", "unix:///nonexistent/x.sock", "events", "--filter", "kind=engine"));
        assertEquals("berth events: bad --filter 'kind=engine': expected type=X or subject=Y", firstErrorLine());
    }

    @Test
    void unknownFormatIsAUsageError() {
        assertEquals(2, berth("-H", "unix:///nonexistent/x.sock", "info", "--format", "yaml"));
        assertEquals("berth info: unknown format 'yaml' (use --format json)", firstErrorLine());
    }

    @Test
    void noteNeedsExactlyOneMessage() {
        assertEquals(2, berth("note"));
        assertEquals("berth note: missing MESSAGE", firstErrorLine());
        assertEquals(2, berth("note", "two", "words"));
        assertTrue(err.text().contains("berth note: expected one MESSAGE, got 2 arguments"), err.text());
    }

    @Test
    void doubleDashEndsOptionsSoAMessageMayStartWithADash() throws Exception {
        ParsedArguments args = new NoteCommand().parser().parse(List.of("--subject", "ops", "--", "--not-an-option"));
        assertEquals(List.of("--not-an-option"), args.positionals());
        assertEquals("ops", args.value("subject").orElseThrow());
    }

    @Test
    void daemonAfterGlobalOptionsIsRefused() {
        assertEquals(2, berth("-H", "unix:///x.sock", "daemon"));
        assertTrue(firstErrorLine().contains("'daemon' takes no global options"), err.text());
    }

    @Test
    void helpGoesToStdoutWithExitZero() {
        assertEquals(0, berth("--help"));
        assertTrue(out.text().contains("Commands:"), out.text());
        for (String command : List.of("daemon", "events", "info", "note", "plugins", "version")) {
            assertTrue(out.text().contains("\n  " + command + " "), command + " missing from:\n" + out.text());
        }
        assertEquals("", err.text());
    }

    @Test
    void commandHelpGoesToStdoutWithExitZero() {
        assertEquals(0, berth("events", "--help"));
        assertTrue(out.text().startsWith("Usage: berth events"), out.text());
        assertEquals(0, berth("help", "daemon"));
        assertTrue(out.text().contains("Usage: berth daemon"), out.text());
        assertEquals(2, berth("help", "nope"));
    }

    @Test
    void repeatedFiltersBecomeRepeatedQueryParameters() throws Exception {
        ParsedArguments args = new EventsCommand().parser().parse(List.of("--filter", "type=container.started",
                "--filter", "type=container.exited", "--filter=subject=c1", "--until", "2h", "-f", "--since", "30s"));

        assertEquals(List.of("type=container.started", "type=container.exited", "subject=c1"), args.values("filter"));
        assertEquals("/v1/events?since=30s&until=2h&type=container.started&type=container.exited&subject=c1"
                + "&follow=true", EventsCommand.target(args, new EventsCommand()));
    }

    @Test
    void eventsWithoutOptionsAsksForTheWholeHistory() throws Exception {
        assertEquals("/v1/events", EventsCommand.target(new EventsCommand().parser().parse(List.of()), new EventsCommand()));
    }

    @Test
    void unixHostForm() {
        DaemonAddress address = DaemonAddress.parse("unix:///run/berth/berth.sock");
        assertTrue(address.isUnix());
        assertEquals(Path.of("/run/berth/berth.sock"), address.socketPath());
        assertEquals("localhost", address.hostHeader());
    }

    @Test
    void tcpHostForms() {
        DaemonAddress v4 = DaemonAddress.parse("tcp://127.0.0.1:2375");
        assertEquals("127.0.0.1", v4.host());
        assertEquals(2375, v4.port());
        assertNull(v4.socketPath());
        assertEquals("127.0.0.1:2375", v4.hostHeader());

        DaemonAddress v6 = DaemonAddress.parse("tcp://[::1]:2376");
        assertEquals("::1", v6.host());
        assertEquals("[::1]:2376", v6.hostHeader());

        assertEquals("berth.example", DaemonAddress.parse("tcp://berth.example:80").host());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "unix://relative.sock", "unix://", "tcp://host", "tcp://host:0", "tcp://host:99999",
            "tcp://host:port", "http://127.0.0.1:2375", "/run/berth/berth.sock"})
    void badHostFormsAreRejected(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DaemonAddress.parse(text));
        assertTrue(e.getMessage().contains("unix:///") || e.getMessage().contains("tcp://"), e.getMessage());
    }

    @Test
    void badHostOptionIsAUsageErrorNamingTheOption() {
        assertEquals(2, berth("-H", "http://x", "info"));
        assertTrue(firstErrorLine().startsWith("berth: --host: invalid daemon address 'http://x'"), err.text());
    }

    @Test
    void badHostEnvironmentIsAUsageErrorNamingTheVariable() {
        assertEquals(2, berth(Map.of("BERTH_HOST", "localhost:2375"), "info"));
        assertTrue(firstErrorLine().startsWith("berth: BERTH_HOST: invalid daemon address"), err.text());
    }

    @Test
    void hostOptionWinsOverTheEnvironment() {
        int code = berth(Map.of("BERTH_HOST", "unix:///nonexistent/env.sock"), "--host=unix:///nonexistent/opt.sock",
                "plugins");
        assertEquals(3, code);
        assertTrue(err.text().contains("unix:///nonexistent/opt.sock"), err.text());
    }

    @Test
    void environmentIsUsedWithoutHostOption() {
        assertEquals(3, berth(Map.of("BERTH_HOST", "unix:///nonexistent/env.sock"), "plugins"));
        assertTrue(err.text().contains("unix:///nonexistent/env.sock"), err.text());
    }

    @Test
    void usageExceptionCarriesTheCommandsUsage() {
        UsageException e = assertThrows(UsageException.class,
                () -> new PluginsCommand().parser().parse(List.of("--format")));
        assertTrue(e.usage().startsWith("Usage: berth plugins"), e.usage());
    }
}
