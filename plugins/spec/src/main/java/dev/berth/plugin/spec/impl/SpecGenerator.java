package dev.berth.plugin.spec.impl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.GeneratedSpec;
import dev.berth.api.container.RunOptions;
import dev.berth.api.container.SpecRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Turns an image config and run options into an OCI bundle with Docker's semantics: resolves the command
 * line, environment, user and working directory against the image's rootfs, then writes
 * {@code config.json}, {@code hostname}, {@code hosts} and {@code resolv.conf} into the bundle directory.
 * Everything is checked before the first byte is written, so a refused request leaves the bundle
 * directory as it was. Same input, same bytes. Thread-safe; calls for different bundles may run at once.
 */
public final class SpecGenerator {
    /** Docker's usual open-files limit for containers (dockerd's own under systemd). */
    public static final long DEFAULT_NOFILE = 1_048_576L;

    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?");

    private final Supplier<HostFacts> hostFacts;
    private final long nofileWanted;
    private final Supplier<IsolationChain> isolation;

    /** A generator for fixed host facts, asking for {@code nofileWanted} open files per container, without modules. */
    SpecGenerator(HostFacts host, long nofileWanted) {
        this(() -> host, nofileWanted, () -> new IsolationChain(List.of(), Set.of(), Set.of()));
    }

    /** A generator for fixed host facts whose containers get the isolation {@code modules}. */
    SpecGenerator(HostFacts host, long nofileWanted, List<ActiveModule> modules) {
        this(() -> host, nofileWanted, () -> new IsolationChain(modules, Set.of(), Set.of()));
    }

    private SpecGenerator(Supplier<HostFacts> hostFacts, long nofileWanted, Supplier<IsolationChain> isolation) {
        this.hostFacts = hostFacts;
        this.nofileWanted = nofileWanted;
        this.isolation = isolation;
    }

    /**
     * A generator that probes this host on every call (so a changed {@code resolvConf} or limit is seen
     * by the next container, as Docker does), asking for {@code nofileWanted} open files per container,
     * and runs the isolation modules {@code isolation} gives at that moment.
     */
    public static SpecGenerator forHost(Path resolvConf, long nofileWanted, Supplier<IsolationChain> isolation) {
        return new SpecGenerator(() -> HostFacts.probe(resolvConf), nofileWanted, isolation);
    }

    /** Refuses bad options before anything exists; see {@link dev.berth.api.container.SpecStage#check}. */
    public void check(SpecRequest request) throws BerthException {
        if (!CONTAINER_ID.matcher(request.containerId()).matches()) {
            throw new BerthException(ErrorKind.INVALID, "check spec: invalid container id \"" + request.containerId() + "\"");
        }
        hostname(request.options().hostname(), request.containerId(), new ArrayList<>());
        isolation.get().check(request.containerId(), request.name(), request.options(), request.peers());
    }

    /** Writes the bundle for {@code request}; see {@link dev.berth.api.container.SpecStage#generate}. */
    public GeneratedSpec generate(SpecRequest request) throws BerthException {
        List<String> decisions = new ArrayList<>();
        HostFacts host = hostFacts.get();
        String id = request.containerId();
        if (!CONTAINER_ID.matcher(id).matches()) {
            throw new BerthException(ErrorKind.INVALID, "generate spec: invalid container id \"" + id + "\"");
        }
        Path rootfs = Path.of(request.rootfs()).toAbsolutePath().normalize();
        if (!Files.isDirectory(rootfs)) {
            throw new BerthException(ErrorKind.INVALID, "generate spec for " + id + ": rootfs " + rootfs
                    + " is not a directory");
        }
        Path bundleDir = Path.of(request.bundleDir()).toAbsolutePath().normalize();
        RunOptions options = request.options();
        ImageConfig image = ImageConfig.parse(request.imageConfig());

        String hostname = hostname(options.hostname(), id, decisions);
        List<String> args = CommandLine.args(image, options);
        List<String> env = Environment.build(image.env(), options.env(), hostname, options.tty(), decisions);
        String cwd = workingDir(options, image, decisions);
        RootfsResolver resolver = new RootfsResolver(rootfs);
        checkWorkingDir(resolver, cwd, decisions);
        ResolvedUser user = user(new UserResolver(new RootfsFiles(resolver)), options, image, decisions);
        new CommandFinder(resolver).find(args.get(0), Environment.value(env, "PATH"), cwd);
        List<MountEntry> mounts = MountPlan.plan(bundleDir, options.volumes(), decisions);
        long nofile = nofile(host, decisions);
        securityDecisions(host, decisions);

        ObjectNode spec = ConfigJson.base(rootfs.toString(), options.readOnly(), hostname,
                new ProcessSpec(options.tty(), user, args, env, cwd, nofile), mounts, "/berth/" + id);
        IsolationChain chain = isolation.get();
        IsolationChain.Outcome isolated = chain.apply(id, request.name(), options, request.peers(), spec);
        try {
            return write(request, bundleDir, spec, host, hostname, user, args, cwd, decisions, isolated);
        } catch (BerthException | RuntimeException e) {
            chain.release(id, isolated.records()); // no container after all: what the modules allocated is free again
            throw e;
        }
    }

    private GeneratedSpec write(SpecRequest request, Path bundleDir, ObjectNode spec, HostFacts host, String hostname,
            ResolvedUser user, List<String> args, String cwd, List<String> decisions, IsolationChain.Outcome isolated)
            throws BerthException {
        String id = request.containerId();
        decisions.addAll(isolated.decisions());
        byte[] config = ConfigJson.render(spec);
        LinkedHashMap<String, byte[]> files = new LinkedHashMap<>();
        files.put("hostname", utf8(EtcFiles.hostname(hostname)));
        files.put("hosts", utf8(EtcFiles.hosts(hostname)));
        files.put("resolv.conf", utf8(EtcFiles.resolvConf(host.resolvConfText(), String.valueOf(host.resolvConf()),
                decisions)));
        files.put("config.json", config);
        try {
            BundleWriter.writeAll(bundleDir, files, !request.scratch());
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "generate spec for " + id + ": write bundle "
                    + bundleDir + ": " + e, e);
        }
        return new GeneratedSpec(bundleDir.resolve("config.json").toString(), "sha256:" + sha256(config), args,
                user.uid(), user.gid(), cwd, decisions, isolated.records());
    }

    private static String hostname(String requested, String id, List<String> decisions) throws BerthException {
        if (requested != null) {
            if (requested.length() > 64 || !HOSTNAME.matcher(requested).matches()) {
                throw new BerthException(ErrorKind.INVALID, "invalid hostname \"" + requested
                        + "\": use at most 64 letters, digits, dots and dashes");
            }
            return requested;
        }
        String hostname = id.length() > 12 ? id.substring(0, 12) : id;
        if (!HOSTNAME.matcher(hostname).matches()) {
            throw new BerthException(ErrorKind.INVALID, "container id \"" + id
                    + "\" does not make a valid hostname; give one");
        }
        decisions.add("hostname " + hostname + ": the first 12 characters of the container id");
        return hostname;
    }

    private static String workingDir(RunOptions options, ImageConfig image, List<String> decisions)
            throws BerthException {
        String cwd = options.workingDir() != null ? options.workingDir() : image.workingDir();
        if (cwd == null || cwd.isEmpty()) {
            decisions.add("working directory /: neither the image nor the options set one");
            return "/";
        }
        if (!cwd.startsWith("/")) {
            throw new BerthException(ErrorKind.INVALID, "the working directory \"" + cwd
                    + "\" is invalid: it needs to be an absolute path");
        }
        return ContainerPaths.clean(cwd);
    }

    /** A missing working directory is made by the runtime (runc does, as Docker does); a file is refused. */
    private static void checkWorkingDir(RootfsResolver resolver, String cwd, List<String> decisions)
            throws BerthException {
        try {
            Path host = resolver.resolve(cwd);
            if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
                throw new BerthException(ErrorKind.INVALID, "the working directory \"" + cwd
                        + "\" is not a directory in the image");
            }
            decisions.add("working directory " + cwd + " is not in the image: the runtime creates it, owned by root");
        } catch (FileSystemLoopException e) {
            throw new BerthException(ErrorKind.INVALID, "the working directory \"" + cwd
                    + "\": too many levels of symbolic links", e);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "look at the working directory " + cwd
                    + " in the image: " + e, e);
        }
    }

    private static ResolvedUser user(UserResolver users, RunOptions options, ImageConfig image,
            List<String> decisions) throws BerthException {
        String spec = options.user() != null ? options.user() : image.user();
        ResolvedUser user = users.resolve(spec);
        if (spec == null || spec.isEmpty()) {
            decisions.add("user root (0:0): neither the image nor the options name one");
        } else if (user.name() == null && !spec.contains(":")) {
            decisions.add("uid " + user.uid() + " has no passwd entry: gid 0, no supplementary groups");
        }
        return user;
    }

    private long nofile(HostFacts host, List<String> decisions) {
        if (host.nofileHard().isEmpty()) {
            decisions.add("RLIMIT_NOFILE 1024: the engine's own limit is unknown");
            return 1024;
        }
        long hard = host.nofileHard().getAsLong();
        if (hard < nofileWanted) {
            decisions.add("RLIMIT_NOFILE " + hard + " instead of " + nofileWanted
                    + ": the engine's own hard limit, which it cannot raise without CAP_SYS_RESOURCE");
            return hard;
        }
        decisions.add("RLIMIT_NOFILE " + nofileWanted + ", as Docker gives");
        return nofileWanted;
    }

    private static void securityDecisions(HostFacts host, List<String> decisions) {
        decisions.add("devices: all denied but the runtime's defaults (null, zero, full, random, urandom, tty, ...)");
        if (host.apparmor()) {
            decisions.add("no AppArmor profile: not provided yet");
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
