package dev.berth.plugin.spec.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Resolves a Docker user argument ({@code name}, {@code uid}, {@code name:group}, {@code uid:gid},
 * {@code name:gid}, {@code uid:group}, or empty for root) against the image's {@code /etc/passwd} and
 * {@code /etc/group}, with runc's rules: a numeric user is always a uid and may be absent from passwd
 * (then gid 0); the gid defaults to the passwd entry's; supplementary groups come from {@code /etc/group}
 * membership of the matched name, only when no group was given. Thread-safe.
 */
final class UserResolver {
    /** The largest uid or gid runc accepts. */
    static final long MAX_ID = Integer.MAX_VALUE;

    private final RootfsFiles files;

    UserResolver(RootfsFiles files) {
        this.files = files;
    }

    /** The identity for {@code spec}; null or empty means root. */
    ResolvedUser resolve(String spec) throws BerthException {
        String userArg = spec == null ? "" : spec;
        String groupArg = "";
        int colon = userArg.indexOf(':');
        if (colon >= 0) {
            groupArg = userArg.substring(colon + 1);
            userArg = userArg.substring(0, colon);
        }
        if (userArg.isEmpty() && !groupArg.isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, "user \"" + spec + "\" names a group but no user");
        }
        if (groupArg.contains(":")) {
            throw new BerthException(ErrorKind.INVALID, "user \"" + spec + "\": expected USER or USER:GROUP");
        }
        Optional<Long> uidArg = userArg.isEmpty() ? Optional.of(0L) : numeric(spec, userArg);
        Optional<Long> gidArg = groupArg.isEmpty() ? Optional.empty() : numeric(spec, groupArg);

        List<Entry> passwd = parse(files.read("/etc/passwd"));
        String wanted = userArg;
        Optional<Entry> match = passwd.stream().filter(uidArg.isPresent()
                ? e -> e.id() == uidArg.get() : e -> e.name().equals(wanted)).findFirst();
        if (match.isEmpty() && uidArg.isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, "unable to find user " + userArg
                    + ": no matching entries in passwd file");
        }
        long uid = match.map(Entry::id).orElseGet(uidArg::get);
        long gid = match.map(Entry::gid).orElse(0L);
        String name = match.map(Entry::name).orElse(null);

        List<Integer> supplementary = new ArrayList<>();
        if (!groupArg.isEmpty() || name != null) {
            List<Entry> groups = parse(files.read("/etc/group"));
            if (!groupArg.isEmpty()) {
                String group = groupArg;
                Predicate<Entry> matches = gidArg.isPresent() ? e -> e.id() == gidArg.get()
                        : e -> e.name().equals(group);
                Optional<Entry> found = groups.stream().filter(matches).findFirst();
                if (found.isEmpty() && gidArg.isEmpty()) {
                    throw new BerthException(ErrorKind.INVALID, "unable to find group " + groupArg
                            + ": no matching entries in group file");
                }
                gid = found.map(Entry::id).orElseGet(gidArg::get);
            } else {
                for (Entry group : groups) {
                    if (group.members().contains(name)) {
                        supplementary.add((int) group.id());
                    }
                }
            }
        }
        return new ResolvedUser((int) uid, (int) gid, supplementary, name);
    }

    private static Optional<Long> numeric(String spec, String value) throws BerthException {
        if (!value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        long id;
        try {
            id = Long.parseLong(value);
        } catch (NumberFormatException e) {
            id = -1;
        }
        if (id < 0 || id > MAX_ID) {
            throw new BerthException(ErrorKind.INVALID, "user \"" + spec
                    + "\": uids and gids must be in range 0-" + MAX_ID);
        }
        return Optional.of(id);
    }

    /**
     * One line of passwd ({@code name:x:uid:gid:...}) or group ({@code name:x:gid:member,member}): for
     * passwd {@code gid} is the primary group, for group {@code members} the member names.
     */
    private record Entry(String name, long id, long gid, List<String> members) {
    }

    /** Both files share the first three fields; malformed lines are skipped, as libc does. */
    private static List<Entry> parse(Optional<String> text) {
        List<Entry> entries = new ArrayList<>();
        if (text.isEmpty()) {
            return entries;
        }
        for (String line : text.get().split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] fields = trimmed.split(":", -1);
            if (fields.length < 3 || fields[0].isEmpty()) {
                continue;
            }
            Optional<Long> id = parseId(fields[2]);
            if (id.isEmpty()) {
                continue;
            }
            long gid = fields.length > 3 ? parseId(fields[3]).orElse(0L) : 0L;
            List<String> members = fields.length > 3 && !fields[3].isEmpty()
                    ? Arrays.stream(fields[3].split(",")).map(String::strip).filter(m -> !m.isEmpty()).toList()
                    : List.<String>of();
            entries.add(new Entry(fields[0], id.get(), gid, members));
        }
        return entries;
    }

    private static Optional<Long> parseId(String field) {
        if (field.isEmpty() || field.length() > 10 || !field.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        long id = Long.parseLong(field);
        return id <= MAX_ID ? Optional.of(id) : Optional.empty();
    }
}
