package dev.berth.plugin.spec.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UserResolverTest {
    @TempDir
    Path dir;

    private UserResolver resolver(Rootfs rootfs) {
        return new UserResolver(new RootfsFiles(new RootfsResolver(rootfs.root)));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, user argument, expected "uid:gid:groups" (groups comma-separated) or "!message"
                Arguments.of("DefaultIsRoot", "", "0:0:"),
                Arguments.of("RootByName", "root", "0:0:"),
                Arguments.of("Name", "app", "1000:1000:2000"),
                Arguments.of("Uid", "1000", "1000:1000:2000"),
                Arguments.of("NameAndGroupName", "app:extra", "1000:2000:"),
                Arguments.of("NameAndGid", "app:2000", "1000:2000:"),
                Arguments.of("UidAndGroupName", "1000:extra", "1000:2000:"),
                Arguments.of("UidAndGid", "1000:1000", "1000:1000:"),
                Arguments.of("NameWithEmptyGroup", "app:", "1000:1000:2000"),
                Arguments.of("Nobody", "nobody", "65534:65534:"),
                Arguments.of("UnknownUidAllowed", "4242", "4242:0:"),
                Arguments.of("UnknownUidAndGid", "4242:4243", "4242:4243:"),
                Arguments.of("UnknownUidAndGroupName", "4242:extra", "4242:2000:"),
                Arguments.of("UnknownName", "ghost",
                        "!unable to find user ghost: no matching entries in passwd file"),
                Arguments.of("UnknownGroupName", "app:ghosts",
                        "!unable to find group ghosts: no matching entries in group file"),
                Arguments.of("UidOutOfRange", "99999999999",
                        "!user \"99999999999\": uids and gids must be in range 0-2147483647"),
                Arguments.of("GroupWithoutUser", ":1000", "!user \":1000\" names a group but no user"),
                Arguments.of("TooManyColons", "a:b:c", "!user \"a:b:c\": expected USER or USER:GROUP"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void resolve(String name, String user, String expected) throws BerthException {
        UserResolver users = resolver(Rootfs.standard(dir));
        if (expected.startsWith("!")) {
            BerthException e = assertThrows(BerthException.class, () -> users.resolve(user));
            assertEquals(ErrorKind.INVALID, e.kind());
            assertEquals(expected.substring(1), e.getMessage());
            return;
        }
        assertEquals(expected, describe(users.resolve(user)));
    }

    @Test
    void nullMeansRoot() throws BerthException {
        assertEquals("0:0:", describe(resolver(Rootfs.standard(dir)).resolve(null)));
    }

    @Test
    void withoutPasswdNumericIdsStillWork() throws BerthException {
        UserResolver users = resolver(Rootfs.empty(dir));
        assertEquals("0:0:", describe(users.resolve("")));
        assertEquals("1000:0:", describe(users.resolve("1000")));
        assertEquals("1000:50:", describe(users.resolve("1000:50")));
        BerthException e = assertThrows(BerthException.class, () -> users.resolve("app"));
        assertEquals("unable to find user app: no matching entries in passwd file", e.getMessage());
    }

    @Test
    void supplementaryGroupsAreSortedAndDeduplicated() throws BerthException {
        Rootfs rootfs = Rootfs.standard(dir).file("etc/group", """
                # comment
                zeta:x:3000:other, app
                extra:x:2000:app
                again:x:2000:app
                broken line
                wheel:x:10:root,app
                """);
        assertEquals("1000:1000:10,2000,3000", describe(resolver(rootfs).resolve("app")));
        assertEquals("0:0:10", describe(resolver(rootfs).resolve("root")));
    }

    @Test
    void passwdSymlinkedWithinTheRootfsIsFollowedThere() throws BerthException {
        Rootfs rootfs = Rootfs.standard(dir).file("lib/passwd.real", "app:x:1234:1234::/:/bin/sh\n")
                .link("etc/passwd", "../lib/passwd.real");
        assertEquals("1234:1234:2000", describe(resolver(rootfs).resolve("app")));
    }

    @Test
    void passwdSymlinkLoopIsRefused() {
        Rootfs rootfs = Rootfs.standard(dir).link("etc/passwd", "../../../../etc/passwd");
        BerthException e = assertThrows(BerthException.class, () -> resolver(rootfs).resolve("app"));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertEquals("read /etc/passwd in the image: too many levels of symbolic links", e.getMessage());
    }

    private static String describe(ResolvedUser user) {
        return user.uid() + ":" + user.gid() + ":"
                + String.join(",", Arrays.stream(user.additionalGids().toArray()).map(String::valueOf).toList());
    }

    @Test
    void describeFormat() {
        assertEquals("1:2:3,4", describe(new ResolvedUser(1, 2, List.of(4, 3, 4), "x")));
    }
}
