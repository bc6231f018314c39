package dev.berth.plugin.seccomp.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides a container's seccomp filter ({@code /linux/seccomp}): Berth's default allow-list profile, with
 * the blocked calls the container's capabilities unlock; none for {@code --security-opt seccomp=unconfined}
 * or {@code --privileged} (as Docker); or the profile the user gave as {@code --security-opt seccomp=JSON}
 * (the CLI reads PROFILE.json and sends its content), its capability conditions judged against the
 * container's bounding set. The capabilities are read from the request's spec ({@link BoundingSet}).
 * Records the profile's kind and SHA-256 as facts. Thread-safe (immutable).
 *
 * <p>Not final only so that its DS component, {@link SeccompModule}, can extend it; extended only by that
 * component.
 */
class SeccompPolicy implements IsolationModule {
    static final String KEY = "seccomp";
    static final String OPTION = "security-opt=" + KEY;
    static final String PRIVILEGED = "privileged";
    static final String POINTER = "/linux/seccomp";
    static final String UNCONFINED = "unconfined";

    private final SyscallTable table;
    private final Optional<HostArch> arch;
    private final ProfileParser parser;
    private final boolean unconfinedAllowed;

    /**
     * A policy for a host of architecture {@code arch} (empty: one without a default profile) running kernel
     * {@code kernelRelease}; {@code unconfinedAllowed} false refuses {@code seccomp=unconfined} and lets
     * {@code --privileged} keep the default profile.
     */
    SeccompPolicy(SyscallTable table, Optional<HostArch> arch, String kernelRelease, boolean unconfinedAllowed) {
        this.table = table;
        this.arch = arch;
        this.parser = new ProfileParser(arch, kernelRelease, table.known());
        this.unconfinedAllowed = unconfinedAllowed;
    }

    /** The policy for this machine: its architecture and kernel, with the shipped syscall table. */
    SeccompPolicy(boolean unconfinedAllowed) {
        this(SyscallTable.shipped(), HostArch.current(), System.getProperty("os.version", ""), unconfinedAllowed);
    }

    /** The run options read: the {@code seccomp} security option, and {@code --privileged}. */
    @Override
    public Set<String> options() {
        return Set.of(OPTION, PRIVILEGED);
    }

    /**
     * Refuses what {@link #contribute} refuses (a value that is not a profile, a profile that does not parse,
     * unconfined where the configuration forbids it, no default profile for this architecture), with the
     * same kind and message. Deciding the filter changes nothing (the profile comes inline), so this is
     * {@link #contribute}'s path with its result dropped: one path, no second copy of the checks to drift.
     * The spec is not built yet at check time, so capabilities are Docker's default 14, silently: no
     * refusal depends on them.
     */
    @Override
    public void check(IsolationRequest request) throws BerthException {
        decide(request, BoundingSet.dockerDefault());
    }

    /**
     * The filter for {@code request}, and its kind and SHA-256 as facts; see the class comment. Capabilities
     * come from the spec's bounding set, or are Docker's default 14 with a note saying why.
     */
    @Override
    public Contribution contribute(IsolationRequest request) throws BerthException {
        return decide(request, BoundingSet.of(request.spec()));
    }

    private Contribution decide(IsolationRequest request, BoundingSet bounding) throws BerthException {
        List<String> given = request.securityOptions(KEY);
        Optional<String> value = given.isEmpty() ? Optional.empty() : Optional.of(given.get(given.size() - 1));
        if (value.isPresent() && value.get().strip().equals(UNCONFINED)) {
            if (!unconfinedAllowed) {
                throw new BerthException(ErrorKind.INVALID, "--security-opt seccomp=unconfined: refused by this"
                        + " engine's configuration (seccomp module: unconfinedAllowed=false)");
            }
            return Contribution.builder().note("no seccomp filter: --security-opt seccomp=unconfined")
                    .fact("profile", UNCONFINED).build();
        }
        if (value.isPresent()) {
            return custom(value.get(), bounding);
        }
        if (request.flag(PRIVILEGED) && unconfinedAllowed) {
            return Contribution.builder().note("no seccomp filter: --privileged (as Docker); give --security-opt"
                    + " seccomp=PROFILE.json to filter a privileged container").fact("profile", UNCONFINED).build();
        }
        HostArch host = arch.orElseThrow(() -> new BerthException(ErrorKind.UNAVAILABLE,
                "seccomp: no default profile for this host's architecture " + System.getProperty("os.arch")
                        + " (known: x86_64, aarch64); give --security-opt seccomp=PROFILE.json or seccomp=unconfined,"
                        + " or remove the seccomp module"));
        DefaultProfile profile = new DefaultProfile(table, host, bounding);
        Contribution.Builder builder = Contribution.builder().set(POINTER, profile.json(), profile.summary());
        bounding.note("the system calls capabilities unlock were").ifPresent(builder::note);
        return builder.fact("profile", "default").fact("sha256", sha256(profile.json())).build();
    }

    private Contribution custom(String text, BoundingSet bounding) throws BerthException {
        String trimmed = text.strip();
        if (!trimmed.startsWith("{")) {
            throw new BerthException(ErrorKind.INVALID, "--security-opt seccomp=" + ProfileParser.abbreviate(trimmed)
                    + ": neither \"unconfined\" nor a JSON profile (the berth CLI reads PROFILE.json and sends its"
                    + " content; through the API, send the profile's JSON text)");
        }
        ProfileParser.Parsed parsed;
        try {
            parsed = parser.parse(trimmed, bounding.capabilities());
        } catch (ProfileException e) {
            throw new BerthException(ErrorKind.INVALID, "--security-opt seccomp: " + e.getMessage(), e);
        }
        Contribution.Builder builder = Contribution.builder().set(POINTER, parsed.json(),
                "the profile given with --security-opt seccomp: default " + parsed.defaultAction() + ", "
                        + parsed.rules() + " rules" + (parsed.rulesLeftOut() == 0 ? ""
                        : ", " + parsed.rulesLeftOut() + " left out by their includes/excludes conditions"));
        if (!parsed.unknownNames().isEmpty()) {
            List<String> names = parsed.unknownNames();
            builder.note("the profile names " + names.size() + " system calls not in this module's table (kernel 6.1"
                    + " headers), e.g. " + String.join(", ", names.subList(0, Math.min(5, names.size())))
                    + "; the runtime skips names its libseccomp does not know");
        }
        if (parsed.judgedCapabilities()) {
            bounding.note("the profile's includes/excludes caps were").ifPresent(builder::note);
        }
        if (arch.isEmpty()) {
            builder.note("host architecture " + System.getProperty("os.arch") + " unknown to this module: archMap"
                    + " and includes/excludes arches were not matched");
        }
        return builder.fact("profile", "custom").fact("sha256", sha256(parsed.json())).build();
    }

    static String sha256(String json) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(json.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
