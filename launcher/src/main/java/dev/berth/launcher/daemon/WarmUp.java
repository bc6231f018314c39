package dev.berth.launcher.daemon;

import dev.berth.launcher.cli.Caller;
import dev.berth.launcher.cli.Cli;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Runs a few read-only commands through the daemon's own CLI and API once the daemon is ready, on a thread of
 * its own, so that the first command someone types is not the one that pays for a fresh JVM. The thread asks for
 * the lowest Java priority, which a JVM on Linux ignores unless started with {@code -XX:ThreadPriorityPolicy=1};
 * putting it on {@code SCHED_IDLE} instead made no difference to a pull that came at once (docs/benchmarks.md).
 *
 * <p>Why: in a fresh daemon the first command of any kind took 130 to 180 ms where the next took 15 to 20
 * (docs/benchmarks.md). The class-data archive holds the classes, but the first command still ran their code
 * in the interpreter for the first time and filled the caches every later command shares: the API server's
 * HTTP pipeline, the event bus's handlers, Jackson's serializers for the engine's answers, the CLI's own
 * HTTP connection. These commands go the way a command from the native client goes ({@link Cli#serve}, the
 * API socket, the engine) and change nothing: {@code version}, {@code ps -a}, {@code images}. Their output
 * is dropped, and so is a failure: a daemon whose API fails tells the user on the user's own command.
 *
 * <p>Then the bundles' own warm-ups: every {@link Runnable} service with the {@code berth.warm.up} property
 * ({@code PluginProperties.WARM_UP}), such as the pull stage's exchange with a registry of its own, which spares
 * the first pull the JDK HTTP client's first exchange. Each runs once, in turn; what one throws is ignored.
 *
 * <p>The daemon closes it when it stops, and when the first client connects to the CLI socket: a command that
 * comes before the warm-ups are done warms what it uses itself, and would otherwise share the processors with
 * warm-ups it has no use for, as a pull started at the ready line did.
 *
 * <p>Its end is reported ({@link Ended}): the daemon prints it on standard error, so a benchmark or a script can
 * tell a daemon that has settled from one that has only just printed its ready line.
 */
final class WarmUp implements AutoCloseable {
    /** The commands run, in order; each only reads. */
    static final List<List<String>> COMMANDS = List.of(List.of("version"), List.of("ps", "-a"), List.of("images"));

    /** Runs one command line; returns its exit code. */
    interface Runner {
        int run(List<String> args) throws Exception;
    }

    private final Thread thread;
    private volatile boolean closed;

    /** Told once when the warm-up thread ends. */
    interface Ended {
        /**
         * @param complete true when every command and every bundle's warm-up ran; false when {@link #close} or a
         *     stopping framework cut it short
         * @param millis   from the start of the thread to its end
         */
        void ended(boolean complete, long millis);
    }

    private WarmUp(Runner runner, List<List<String>> commands, Supplier<List<Runnable>> bundleWarmUps, Ended ended) {
        this.thread = new Thread(() -> {
            long start = System.nanoTime();
            boolean complete = false;
            try {
                complete = runAll(runner, commands, bundleWarmUps);
            } finally {
                ended.ended(complete, (System.nanoTime() - start) / 1_000_000);
            }
        }, "berth-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
    }

    /** Runs the commands, then the bundles' warm-ups; true when none was left out. */
    private boolean runAll(Runner runner, List<List<String>> commands, Supplier<List<Runnable>> bundleWarmUps) {
        for (List<String> command : commands) {
            if (closed) {
                return false;
            }
            try {
                runner.run(command);
            } catch (Exception | LinkageError e) {
                // nothing to warm up through a command that fails; the next one may still work
            }
        }
        List<Runnable> warmUps;
        try {
            warmUps = bundleWarmUps.get();
        } catch (RuntimeException | LinkageError e) {
            return false;   // the framework is stopping
        }
        for (Runnable warmUp : warmUps) {
            if (closed) {
                return false;
            }
            try {
                warmUp.run();
            } catch (RuntimeException | LinkageError e) {
                // a bundle's warm-up that fails warms less; the next one may still work
            }
        }
        return true;
    }

    /**
     * Starts running {@link #COMMANDS} against the API at {@code api} ({@code unix:///...}), then the warm-ups
     * {@code bundleWarmUps} gives at that moment; {@code ended} hears when it is over.
     */
    static WarmUp start(String api, Supplier<List<Runnable>> bundleWarmUps, Ended ended) {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        Caller caller = new QuietCaller();
        return start(args -> Cli.serve(prefixed(api, args), Map.of(), nowhere, nowhere, caller), COMMANDS,
                bundleWarmUps, ended);
    }

    /**
     * Starts running {@code commands} with {@code runner}, one after the other, then each of {@code bundleWarmUps},
     * on a thread of their own.
     */
    static WarmUp start(Runner runner, List<List<String>> commands, Supplier<List<Runnable>> bundleWarmUps) {
        return start(runner, commands, bundleWarmUps, (complete, millis) -> { });
    }

    /** {@link #start(Runner, List, Supplier)}, telling {@code ended} when the thread ends. */
    static WarmUp start(Runner runner, List<List<String>> commands, Supplier<List<Runnable>> bundleWarmUps,
            Ended ended) {
        WarmUp warmUp = new WarmUp(runner, commands, bundleWarmUps, ended);
        warmUp.thread.start();
        return warmUp;
    }

    private static List<String> prefixed(String api, List<String> args) {
        return Stream.concat(Stream.of("-H", api), args.stream()).toList();
    }

    /** Waits up to {@code millis} for the commands to end; true when they have. For tests. */
    boolean awaitEnd(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }

    /** Runs no further command or warm-up; one under way ends on its own. */
    @Override
    public void close() {
        closed = true;
    }

    /** A caller without a terminal or signals, as a remote client of the CLI socket is. */
    private static final class QuietCaller implements Caller {
        @Override
        public boolean terminal() {
            return false;
        }

        @Override
        public boolean remote() {
            return true;
        }

        @Override
        public Signals signals() {
            return new Signals() {
                @Override
                public boolean on(String name, Runnable action) {
                    return false;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public void leave(int exitCode) {
            throw new IllegalStateException("the warm-up runs no command that leaves early");
        }
    }
}
