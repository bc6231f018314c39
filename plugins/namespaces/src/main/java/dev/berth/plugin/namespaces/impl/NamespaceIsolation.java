package dev.berth.plugin.namespaces.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.ModuleLifecycle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * The namespaces module's work, without OSGi: turns the namespace options of a run request into
 * {@code /linux/namespaces} (the whole list, sorted by type), {@code /hostname} removal for
 * {@code --uts host}, and for a user namespace {@code /linux/uidMappings} and {@code /linux/gidMappings},
 * allocating a range for {@code --userns auto} and shifting the container's own rootfs to fit the map,
 * once it has made sure the mapped root can reach that rootfs. {@link #check} makes the checks that need no
 * spec, with no side effect. Thread-safe.
 *
 * <p>With a user namespace the module may change the container's own files: rootfs ownership and its mount
 * folder's group. The mount folder is the rootfs's direct parent ({@code <root>/mounts/<id>}), which the
 * mount stage makes 0700 root:root so that no host user reaches the container's files; the module gives its
 * group to the host gid that container gid 0 maps to and makes it 0710, so the mapped root, and nobody else
 * but host root, can pass. Only that one folder, never one further up, never through a symlink, and only
 * when it looks like a container's own: a directory owned by root whose parent is not {@code /}. Otherwise it
 * is left alone and the reachability check speaks. When a later step fails, its group and mode are put back.
 * The shift records the map it applied in that folder too, in the root-owned 0600 file
 * {@code <root>/mounts/<id>/idmap}, out of the image's reach; files it leaves to ids
 * outside the map lose their setuid/setgid bits, since the folder is open to the mapped root's host group.
 *
 * <p>Facts are returned only for {@code --userns auto}: {@code userns=auto}, {@code uidmap} and
 * {@code gidmap} (both {@code 0:HOST:SIZE}), which {@link #restore} and {@link #release} read back.
 * Explicit maps need no bookkeeping (they are in the fields) and other choices are in notes.
 *
 * <p>Not final only so that its DS component, {@link NamespacesModule}, can extend it; extended only by that
 * component.
 */
public class NamespaceIsolation implements IsolationModule, ModuleLifecycle {
    static final String FACT_USERNS = "userns";
    static final String FACT_UIDMAP = "uidmap";
    static final String FACT_GIDMAP = "gidmap";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final IdRangePool pool;
    private final OwnershipShifter shifter = new OwnershipShifter();
    private final IntPredicate running;

    /**
     * A module handing out {@code slots} ranges of {@code size} host ids from {@code base}; {@code running}
     * says whether a peer pid named by {@code container:NAME} is alive.
     */
    public NamespaceIsolation(long base, long size, int slots, IntPredicate running) {
        this.pool = new IdRangePool(base, size, slots);
        this.running = running;
    }

    /** A module whose peers are checked in /proc. */
    public NamespaceIsolation(long base, long size, int slots) {
        this(base, size, slots, pid -> Files.isDirectory(Path.of("/proc", Integer.toString(pid), "ns")));
    }

    IdRangePool pool() {
        return pool;
    }

    /** Every namespace option it reads ({@link NamespaceOptions#ALL}). */
    @Override
    public Set<String> options() {
        return NamespaceOptions.ALL;
    }

    /**
     * See {@link IsolationModule#check}: refuses what {@link #contribute} refuses
     * before it reads the spec (options, peers to join, explicit maps meeting the auto pool), with the same
     * kind and message, and changes nothing. What needs the spec (the process user inside the map, the rootfs
     * reachable and shiftable) is left to {@link #contribute}.
     */
    @Override
    public void check(IsolationRequest request) throws BerthException {
        checked(request);
    }

    /** See {@link IsolationModule#contribute}. */
    @Override
    public Contribution contribute(IsolationRequest request) throws BerthException {
        Checked checked = checked(request);
        NamespaceOptions options = checked.options();
        Contribution.Builder out = Contribution.builder();

        // type -> path (null: a new namespace); a TreeMap keeps the list sorted by type.
        TreeMap<String, String> namespaces = new TreeMap<>();
        List<String> fresh = new ArrayList<>();
        List<String> other = new ArrayList<>();
        namespaces.put("mount", null);
        fresh.add("mount");
        joinable("pid", options.pid(), checked.joined(), namespaces, fresh, other, out);
        joinable("ipc", options.ipc(), checked.joined(), namespaces, fresh, other, out);
        joinable("network", options.network(), checked.joined(), namespaces, fresh, other, out);
        if (options.uts().isPrivate()) {
            namespaces.put("uts", null);
            fresh.add("uts");
        } else {
            other.add("the host's uts namespace (--uts host)");
            out.remove("/hostname", "--uts host: the host's name is kept; a runtime refuses a hostname"
                    + " without a uts namespace of its own");
            out.note("shares the host's uts namespace (--uts host)");
        }
        if (options.cgroup().isPrivate()) {
            namespaces.put("cgroup", null);
            fresh.add("cgroup");
        } else {
            other.add("the host's cgroup namespace (--cgroupns host)");
            out.note("sees the host's cgroup tree (--cgroupns host)");
        }
        if (options.network().isPrivate()) {
            out.note(options.network().asked() != null && options.network().asked().equals("none")
                    ? "new network namespace: loopback only (--network none)"
                    : "new network namespace: loopback only (the default)");
        }
        if (options.userNamespace()) {
            namespaces.put("user", null);
            fresh.add("user");
        }

        StringBuilder reason = new StringBuilder("new ").append(String.join(", ", fresh)).append(" namespaces");
        if (!other.isEmpty()) {
            reason.append("; ").append(String.join("; ", other));
        }
        out.set("/linux/namespaces", namespacesJson(namespaces), reason.toString());

        if (options.userNamespace()) {
            userNamespace(request, options, out);
        } else {
            out.note("no user namespace: container ids are host ids (--userns host, the default)");
        }
        return out.build();
    }

    /** See {@link ModuleLifecycle#restore}. */
    @Override
    public void restore(String containerId, Map<String, String> facts) {
        hostBase(facts).ifPresent(base -> pool.restore(containerId, base));
    }

    /** See {@link ModuleLifecycle#release}. */
    @Override
    public void release(String containerId, Map<String, String> facts) {
        pool.release(containerId);
    }

    private static Optional<Long> hostBase(Map<String, String> facts) {
        if (facts == null || !"auto".equals(facts.get(FACT_USERNS)) || facts.get(FACT_UIDMAP) == null) {
            return Optional.empty();
        }
        try {
            IdMap map = IdMap.parse(facts.get(FACT_UIDMAP));
            return Optional.of(map.mappings().get(0).hostId());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The checks shared by {@link #check} and {@link #contribute}, in the order contribute has always made
     * them: the options parsed and cross-checked, each {@code container:NAME} peer running (its namespace
     * path by type in {@code joined}), and explicit maps clear of the auto pool. Reads only host facts.
     */
    private Checked checked(IsolationRequest request) throws BerthException {
        NamespaceOptions options = NamespaceOptions.parse(request);
        Map<String, String> joined = new HashMap<>();
        peer(request, "pid", "pid", options.pid(), joined);
        peer(request, "ipc", "ipc", options.ipc(), joined);
        peer(request, "network", "net", options.network(), joined);
        if (options.userns() == NamespaceOptions.Userns.EXPLICIT) {
            checkExplicit(options.uidMap().orElseThrow(), options.gidMap().orElseThrow());
        }
        return new Checked(options, Map.copyOf(joined));
    }

    /** A request's options as {@link #checked} found them, and the path of each namespace joined, by type. */
    private record Checked(NamespaceOptions options, Map<String, String> joined) {
    }

    /** For {@code container:NAME}, the peer's namespace file put in {@code joined} under {@code option}. */
    private void peer(IsolationRequest request, String option, String nsFile, Sharing sharing,
            Map<String, String> joined) throws BerthException {
        if (sharing.kind() != Sharing.Kind.CONTAINER) {
            return;
        }
        Integer pid = request.peers().get(sharing.peer());
        if (pid == null || pid <= 0) {
            throw NamespaceOptions.invalid("--" + option + " " + sharing.asked() + ": no running container "
                    + sharing.peer() + " to join");
        }
        if (!running.test(pid)) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "--" + option + " " + sharing.asked()
                    + ": container " + sharing.peer() + " (pid " + pid + ") is no longer running");
        }
        joined.put(option, "/proc/" + pid + "/ns/" + nsFile);
    }

    private static void joinable(String option, Sharing sharing, Map<String, String> joined,
            TreeMap<String, String> namespaces, List<String> fresh, List<String> other, Contribution.Builder out) {
        String type = option; // the option names are the OCI namespace types
        switch (sharing.kind()) {
            case PRIVATE -> {
                namespaces.put(type, null);
                fresh.add(type);
            }
            case HOST -> {
                other.add("the host's " + type + " namespace (--" + option + " host)");
                out.note("shares the host's " + type + " namespace (--" + option + " host)");
            }
            case CONTAINER -> {
                String path = joined.get(option);
                namespaces.put(type, path);
                other.add("the " + type + " namespace of container " + sharing.peer() + " (--" + option + " "
                        + sharing.asked() + ")");
                out.note("joins the " + type + " namespace of container " + sharing.peer() + " at " + path);
            }
            default -> throw new IllegalStateException(sharing.kind().toString());
        }
    }

    private static String namespacesJson(TreeMap<String, String> namespaces) {
        StringBuilder json = new StringBuilder("[");
        namespaces.forEach((type, path) -> {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append("{\"type\":\"").append(type).append('"');
            if (path != null) {
                json.append(",\"path\":\"").append(path).append('"');
            }
            json.append('}');
        });
        return json.append(']').toString();
    }

    private void userNamespace(IsolationRequest request, NamespaceOptions options, Contribution.Builder out)
            throws BerthException {
        JsonNode spec;
        try {
            spec = JSON.readTree(request.spec());
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "namespaces: the base config.json is not JSON", e);
        }
        IdMap uids;
        IdMap gids;
        String how;
        boolean allocated = false;
        if (options.userns() == NamespaceOptions.Userns.AUTO) {
            allocated = pool.held(request.containerId()).isEmpty();
            IdMapping range = pool.allocate(request.containerId());
            uids = IdMap.of(range);
            gids = uids;
            how = "--userns auto: range " + range.hostId() + "-" + range.hostEnd() + " of the pool";
        } else {
            uids = options.uidMap().orElseThrow();
            gids = options.gidMap().orElseThrow();
            how = "--uidmap " + uids + (gids.equals(uids) ? " (gids the same)" : " --gidmap " + gids);
        }
        OpenedFolder opened = null;
        try {
            checkUserMapped(spec, uids, gids);
            Path rootfs = rootfs(spec);
            opened = openMountFolder(rootfs, gids, how);
            checkReachable(rootfs, options, uids, gids);
            OwnershipShifter.Result result;
            try {
                result = shifter.shift(rootfs, uids, gids);
            } catch (IOException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, how + ": shift the ownership of rootfs " + rootfs
                        + ": " + e.getMessage(), e);
            }
            out.set("/linux/uidMappings", uids.json(), "user namespace uid map " + uids + " (" + how + ")");
            out.set("/linux/gidMappings", gids.json(), "user namespace gid map " + gids + " (" + how + ")");
            out.note("new user namespace: container root is host uid " + uids.toHost(0).stream().boxed()
                    .findFirst().map(String::valueOf).orElse("(unmapped)") + " (" + how + ")");
            if (opened != null) {
                out.note("mount folder " + opened.dir() + " opened to the container's root: group "
                        + Integer.toUnsignedString(opened.group()) + ", mode 0710 (was group "
                        + Integer.toUnsignedString(opened.oldGroup()) + ", mode "
                        + String.format("%04o", opened.oldMode()) + ")");
            }
            out.note(describe(rootfs, result));
            if (options.userns() == NamespaceOptions.Userns.AUTO) {
                out.fact(FACT_USERNS, "auto").fact(FACT_UIDMAP, uids.toString()).fact(FACT_GIDMAP, gids.toString());
            }
        } catch (BerthException | RuntimeException e) {
            if (opened != null) {
                opened.undo(e);
            }
            if (allocated) {
                pool.release(request.containerId());
            }
            throw e;
        }
    }

    /** Explicit maps must stay out of the auto pool, or an auto container could share host ids with them. */
    private void checkExplicit(IdMap uids, IdMap gids) throws BerthException {
        for (IdMap map : List.of(uids, gids)) {
            for (IdMapping m : map.mappings()) {
                if (m.hostOverlaps(pool.base(), pool.end())) {
                    String option = map == uids ? "--uidmap" : "--gidmap";
                    throw NamespaceOptions.invalid(option + " " + m + ": host ids " + m.hostId() + "-" + m.hostEnd()
                            + " meet the range kept for --userns auto (" + pool.base() + "-" + pool.end() + ")");
                }
            }
        }
    }

    /** The process's uid, gid and extra gids must exist in the container, or the runtime fails to start it. */
    private static void checkUserMapped(JsonNode spec, IdMap uids, IdMap gids) throws BerthException {
        JsonNode user = spec.path("process").path("user");
        long uid = user.path("uid").asLong(0);
        if (uids.toHost(uid).isEmpty()) {
            throw NamespaceOptions.invalid("--uidmap " + uids + ": the container's user " + uid
                    + " (process.user.uid) is not mapped");
        }
        List<Long> groups = new ArrayList<>();
        groups.add(user.path("gid").asLong(0));
        user.path("additionalGids").forEach(g -> groups.add(g.asLong()));
        for (long gid : groups) {
            if (gids.toHost(gid).isEmpty()) {
                throw NamespaceOptions.invalid("--gidmap " + gids + ": the container's group " + gid
                        + " (process.user) is not mapped");
            }
        }
    }

    /** Mode of a container's mount folder with a user namespace: root rwx, the mapped root's group x. */
    static final int MOUNT_FOLDER_MODE = 0710;

    /**
     * Gives the rootfs's direct parent, the container's mount folder, the group that container gid 0 maps to
     * and mode {@link #MOUNT_FOLDER_MODE}, so the mapped root passes it by the group bit while other host
     * users stay out. Left alone (null returned) when container gid 0 is unmapped, when the rootfs path is not
     * normal (a {@code .} or {@code ..} in it), when the folder is {@code /} or right under it, when it is no
     * directory (a symlink is not followed) or not owned by root, or when it already has that group and mode.
     * Otherwise returns what it was, so a failure later on can put it back.
     */
    private static OpenedFolder openMountFolder(Path rootfs, IdMap gids, String how) throws BerthException {
        OptionalLong gid = gids.toHost(0);
        Path folder = rootfs.getParent();
        if (gid.isEmpty() || !rootfs.normalize().equals(rootfs) || folder == null || folder.getParent() == null
                || folder.getParent().getParent() == null) {
            return null;
        }
        try {
            if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            Map<String, Object> attributes = Files.readAttributes(folder, "unix:mode,uid,gid",
                    LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) attributes.get("mode") & 07777;
            int owner = (Integer) attributes.get("uid");
            int group = (Integer) attributes.get("gid");
            int wanted = (int) gid.getAsLong(); // uid_t bits: ids up to 4294967294 wrap as Java ints
            if (owner != 0 || (mode == MOUNT_FOLDER_MODE && group == wanted)) {
                return null;
            }
            OpenedFolder opened = new OpenedFolder(folder, group, mode, wanted);
            Files.setAttribute(folder, "unix:gid", wanted, LinkOption.NOFOLLOW_LINKS);
            try {
                Files.setAttribute(folder, "unix:mode", MOUNT_FOLDER_MODE, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                opened.undo(e);
                throw e;
            }
            return opened;
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, how + ": open the mount folder " + folder
                    + " to the container's root (group " + gid.getAsLong() + ", mode "
                    + String.format("%04o", MOUNT_FOLDER_MODE) + "): " + e.getMessage(), e);
        }
    }

    /** A mount folder {@link #openMountFolder} changed: its group and mode before, and the group given. */
    private record OpenedFolder(Path dir, int oldGroup, int oldMode, int group) {
        /** Puts the old group and mode back, without following links; a failure is added to {@code cause}. */
        void undo(Throwable cause) {
            try {
                Files.setAttribute(dir, "unix:gid", oldGroup, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(dir, "unix:mode", oldMode, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /**
     * Every directory above the rootfs must let the container's root, a host id that owns none of them, pass
     * (search: the x bit), or the runtime fails inside container init with a bare "permission denied" after
     * the rootfs was shifted for nothing. The kernel's rule is followed: the owner's bit for a directory the
     * id owns, the group's for its group, the others' bit otherwise, and the user namespace's root passes
     * anything whose owner and group are both mapped into it (its capabilities count there only). ACLs are
     * not read. The path as given and its real path (after symlinks) are both walked, from {@code /} down.
     * Skipped when container root is unmapped, which the runtimes refuse with their own message. Reads modes
     * only; changes nothing.
     */
    private static void checkReachable(Path rootfs, NamespaceOptions options, IdMap uids, IdMap gids)
            throws BerthException {
        OptionalLong uid = uids.toHost(0);
        OptionalLong gid = gids.toHost(0);
        if (uid.isEmpty() || gid.isEmpty()) {
            return;
        }
        String how = options.userns() == NamespaceOptions.Userns.AUTO ? "--userns auto" : "--uidmap " + uids;
        LinkedHashSet<Path> ancestors = new LinkedHashSet<>();
        try {
            ancestors.addAll(ancestors(rootfs));
            ancestors.addAll(ancestors(rootfs.toRealPath()));
            for (Path dir : ancestors) {
                int mode = (Integer) Files.getAttribute(dir, "unix:mode") & 07777;
                long owner = (Integer) Files.getAttribute(dir, "unix:uid") & 0xFFFF_FFFFL;
                long group = (Integer) Files.getAttribute(dir, "unix:gid") & 0xFFFF_FFFFL;
                boolean searchable;
                if (uids.toContainer(owner).isPresent() && gids.toContainer(group).isPresent()) {
                    searchable = true;
                } else if (owner == uid.getAsLong()) {
                    searchable = (mode & 0100) != 0;
                } else if (group == gid.getAsLong()) {
                    searchable = (mode & 0010) != 0;
                } else {
                    searchable = (mode & 0001) != 0;
                }
                if (!searchable) {
                    throw new BerthException(ErrorKind.UNAVAILABLE, how + ": " + dir + " is not searchable by others"
                            + " (mode " + String.format("%04o", mode) + "), so root in the user namespace (host uid "
                            + uid.getAsLong() + ") cannot reach the container's root filesystem; make it "
                            + String.format("%04o", mode | 0011));
                }
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, how + ": read the modes of the folders above rootfs "
                    + rootfs + ": " + e.getMessage(), e);
        }
    }

    /** The directories above {@code path}, from the root down. */
    private static List<Path> ancestors(Path path) {
        List<Path> ancestors = new ArrayList<>();
        for (Path dir = path.getParent(); dir != null; dir = dir.getParent()) {
            ancestors.add(0, dir);
        }
        return ancestors;
    }

    private static Path rootfs(JsonNode spec) throws BerthException {
        String text = spec.path("root").path("path").asText("");
        if (text.isEmpty() || !text.startsWith("/")) {
            throw new BerthException(ErrorKind.INTERNAL, "namespaces: config.json root.path \"" + text
                    + "\" is not absolute; the rootfs cannot be shifted to the user namespace");
        }
        Path rootfs = Path.of(text);
        if (!Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS)) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "namespaces: rootfs " + rootfs
                    + " is not a directory; cannot shift its ownership to the user namespace");
        }
        return rootfs;
    }

    private static String describe(Path rootfs, OwnershipShifter.Result result) {
        if (result.alreadyApplied()) {
            return "rootfs " + rootfs + " already owned to fit this map (recorded in "
                    + rootfs.getParent().resolve(OwnershipShifter.RECORD) + ")";
        }
        StringBuilder note = new StringBuilder("rootfs ownership shifted: ").append(result.changed()).append(" of ")
                .append(result.entries()).append(" entries re-owned");
        if (result.unmapped() > 0) {
            note.append("; ").append(result.unmapped()).append(" left as they were, owned by ids outside the map")
                    .append(" (nobody in the container), e.g. ").append(String.join(", ", result.examples()));
        }
        if (result.setIdCleared() > 0) {
            note.append("; set-user-ID/set-group-ID bits cleared on ").append(result.setIdCleared())
                    .append(result.setIdCleared() == 1 ? " file" : " files")
                    .append(" left unshifted (they would keep a host id's privilege)");
        }
        if (!result.recorded()) {
            note.append("; the map could not be recorded: the rootfs's parent folder ").append(rootfs.getParent())
                    .append(" is not a directory of root's that only root may write");
        }
        return note.toString();
    }
}
