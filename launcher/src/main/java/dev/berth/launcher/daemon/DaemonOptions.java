package dev.berth.launcher.daemon;

import dev.berth.launcher.Option;
import dev.berth.launcher.OptionParser;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The options of {@code berth daemon}, parsed and with defaults applied. This class loads no Felix class, so
 * the CLI can show its usage. Immutable.
 *
 * @param root         the state root, default {@code /var/lib/berth}
 * @param run          the run folder for socket, pid file and framework cache, default {@code /run/berth}
 * @param plugins      the folder FileInstall watches, default {@code <home>/plugins}
 * @param tcp          {@code host:port} for an additional TCP API listener, if any
 * @param readyTimeout how long to wait for the API server to report ready
 * @param stageTimeout how long a stage call may go without progress before it is abandoned; empty: the
 *                     engine's default (120 s)
 * @param tls          the TCP listener's certificate, key and client CA; present exactly when {@code tcp} is
 */
public record DaemonOptions(Path root, Path run, Path plugins, Optional<String> tcp, Duration readyTimeout,
        Optional<Duration> stageTimeout, Optional<TlsFiles> tls) {

    /** The PEM files of the TCP listener: its certificate, its PKCS#8 key, the CA of the clients it accepts. */
    public record TlsFiles(Path cert, Path key, Path clientCa) {
    }

    /** Default state root. */
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/berth");
    /** Default run folder. */
    public static final Path DEFAULT_RUN = Path.of("/run/berth");
    /** The longest timeout the options take: a day. */
    static final long MAX_SECONDS = 86_400;
    /** Default readiness timeout. */
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(60);

    private static final Option ROOT = Option.value("root", null, "DIR", "state root (default /var/lib/berth)");
    private static final Option RUN = Option.value("run", null, "DIR",
            "run folder: API socket, pid file, framework cache (default /run/berth)");
    private static final Option PLUGINS = Option.value("plugins", null, "DIR",
            "folder watched for plugin bundles (default <home>/plugins)");
    private static final Option TCP = Option.value("tcp", null, "HOST:PORT",
            "also serve the API on TCP, with TLS and client certificates only (default: Unix socket only)");
    private static final Option TLS_CERT = Option.value("tlscert", null, "FILE",
            "the TCP listener's certificate (PEM); needed with --tcp");
    private static final Option TLS_KEY = Option.value("tlskey", null, "FILE",
            "its private key (PEM, PKCS#8); needed with --tcp");
    private static final Option TLS_CA = Option.value("tlscacert", null, "FILE",
            "the CA whose client certificates are accepted (PEM); needed with --tcp");
    private static final Option READY_TIMEOUT = Option.value("ready-timeout", null, "SECONDS",
            "how long to wait for the engine to come up (default 60)");
    private static final Option STAGE_TIMEOUT = Option.value("stage-timeout", null, "SECONDS",
            "abandon a stage call that shows no progress for this long, as a plugin fault (default 120)");
    private static final List<Option> OPTIONS = List.of(ROOT, RUN, PLUGINS, TCP, TLS_CERT, TLS_KEY, TLS_CA,
            READY_TIMEOUT, STAGE_TIMEOUT);

    /** The usage text of {@code berth daemon}. */
    public static final String USAGE = """
            Usage: berth daemon [--root DIR] [--run DIR] [--plugins DIR]
                                [--tcp HOST:PORT --tlscert FILE --tlskey FILE --tlscacert FILE]
                                [--stage-timeout SECONDS]

            Run the Berth daemon in the foreground: Felix with the built-in bundles, the event log under the
            state root, and the HTTP API on <run>/berth.sock (mode 0660, group berth if it exists: the API
            is root on this machine). TCP is served only with TLS and client certificates. Needs root. Prints one line
            "berth daemon ready: ..." on stdout once the API answers; SIGTERM or Ctrl-C stops it.
            Bundles copied into the plugins folder are installed and started, replaced ones updated,
            removed ones uninstalled, without a restart.

            Options:
            """ + OptionParser.describe(OPTIONS);

    /** Checks the values. */
    public DaemonOptions {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(plugins, "plugins");
        Objects.requireNonNull(tcp, "tcp");
        Objects.requireNonNull(readyTimeout, "readyTimeout");
        Objects.requireNonNull(stageTimeout, "stageTimeout");
        Objects.requireNonNull(tls, "tls");
        if (tcp.isPresent() != tls.isPresent()) {
            throw new IllegalArgumentException("TCP is served only with TLS files, and TLS files only serve TCP");
        }
    }

    /** Options without TCP. */
    public DaemonOptions(Path root, Path run, Path plugins, Duration readyTimeout, Optional<Duration> stageTimeout) {
        this(root, run, plugins, Optional.empty(), readyTimeout, stageTimeout, Optional.empty());
    }

    /** Options without TCP and with the engine's default stage timeout. */
    public DaemonOptions(Path root, Path run, Path plugins, Duration readyTimeout) {
        this(root, run, plugins, readyTimeout, Optional.empty());
    }

    /** A parser for the daemon's options. */
    public static OptionParser parser() {
        return new OptionParser("berth daemon", USAGE, OPTIONS);
    }

    /** Builds the options from parsed arguments, resolving relative folders against the working directory. */
    public static DaemonOptions of(ParsedArguments args, Path home) throws UsageException {
        if (!args.positionals().isEmpty()) {
            throw new UsageException("berth daemon: unexpected argument '" + args.positionals().get(0) + "'", USAGE);
        }
        Path root = folder(args, "root", DEFAULT_ROOT);
        Path run = folder(args, "run", DEFAULT_RUN);
        Path plugins = folder(args, "plugins", home.resolve("plugins"));
        Optional<String> tcp = args.value("tcp");
        Optional<TlsFiles> tls = Optional.empty();
        List<String> tlsOptions = List.of("tlscert", "tlskey", "tlscacert");
        if (tcp.isPresent()) {
            checkHostPort(tcp.get());
            for (String option : tlsOptions) {
                if (args.value(option).isEmpty()) {
                    throw new UsageException("berth daemon: --tcp needs --tlscert, --tlskey and --tlscacert: TCP is "
                            + "served only with TLS and client certificates, as the API is root on this machine "
                            + "(missing --" + option + ")", USAGE);
                }
            }
            tls = Optional.of(new TlsFiles(callerPath(args.value("tlscert").get()),
                    callerPath(args.value("tlskey").get()), callerPath(args.value("tlscacert").get())));
        } else {
            for (String option : tlsOptions) {
                if (args.value(option).isPresent()) {
                    throw new UsageException("berth daemon: --" + option + " is for the TCP listener; add --tcp", USAGE);
                }
            }
        }
        Duration timeout = args.value("ready-timeout").isPresent()
                ? seconds(args.value("ready-timeout").get(), "--ready-timeout") : DEFAULT_READY_TIMEOUT;
        Optional<Duration> stageTimeout = args.value("stage-timeout").isPresent()
                ? Optional.of(seconds(args.value("stage-timeout").get(), "--stage-timeout")) : Optional.empty();
        return new DaemonOptions(root, run, plugins, tcp, timeout, stageTimeout, tls);
    }

    private static Duration seconds(String text, String option) throws UsageException {
        try {
            long seconds = Long.parseLong(text);
            if (seconds >= 1 && seconds <= MAX_SECONDS) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("berth daemon: " + option + " needs a number of seconds from 1 to " + MAX_SECONDS
                + ", got '" + text + "'",
                USAGE);
    }

    private static Path folder(ParsedArguments args, String name, Path fallback) throws UsageException {
        Optional<String> value = args.value(name);
        if (value.isEmpty()) {
            return fallback.toAbsolutePath().normalize();
        }
        if (value.get().isBlank()) {
            throw new UsageException("berth daemon: --" + name + " needs a folder", USAGE);
        }
        return callerPath(value.get());
    }

    /**
     * {@code value} as an absolute path: a relative one is taken from the folder the daemon was started in,
     * which {@code bin/berth} passes as {@code berth.cwd} (the daemon's own working folder is the distribution).
     */
    static Path callerPath(String value) {
        Path path = Path.of(value);
        String caller = System.getProperty("berth.cwd");
        if (!path.isAbsolute() && caller != null && !caller.isBlank()) {
            path = Path.of(caller).resolve(path);
        }
        return path.toAbsolutePath().normalize();
    }

    private static void checkHostPort(String text) throws UsageException {
        int colon = text.lastIndexOf(':');
        String host = colon <= 0 ? "" : text.substring(0, colon);
        String port = colon < 0 ? "" : text.substring(colon + 1);
        boolean valid = !host.isEmpty();
        try {
            int number = Integer.parseInt(port);
            valid &= number >= 0 && number <= 65535;
        } catch (NumberFormatException e) {
            valid = false;
        }
        if (!valid) {
            throw new UsageException("berth daemon: --tcp needs HOST:PORT with a port from 0 to 65535, got '"
                    + text + "'", USAGE);
        }
    }
}
