package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading /proc/self/mountinfo: octal escapes, and real mount points with awkward names. */
class MountTableTest {
    @TempDir
    Path tmp;

    @AfterEach
    void cleanUp() throws Exception {
        Fixture.unmountAll(tmp);
    }

    @Test
    void decodesOctalEscapes() {
        assertEquals("/a b\tc\nd\\e", MountTable.decode("/a\\040b\\011c\\012d\\134e"));
        assertEquals("/é", MountTable.decode(new String("/\\303\\251".getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1)));
        assertEquals("/x\\9", MountTable.decode("/x\\9"), "not an escape");
        assertEquals("/x\\04", MountTable.decode("/x\\04"), "too short to be an escape");
    }

    @Test
    void parsesTheFifthField() {
        String info = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
                + "95 22 0:50 / /var/lib/berth/mounts/with\\040space/merged rw - overlay overlay rw,lowerdir=/l\n";
        assertEquals(List.of(Path.of("/"), Path.of("/var/lib/berth/mounts/with space/merged")),
                MountTable.parse(info.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void seesARealMountWithASpaceInItsPath() throws Exception {
        Fixture.assumeRoot();
        Path point = Files.createDirectories(tmp.resolve("with space/and\\slash"));
        assertFalse(MountTable.isMounted(point));
        Fixture.run("mount", "-t", "tmpfs", "tmpfs", point.toString());
        assertTrue(MountTable.isMounted(point));
        assertEquals(List.of(point.toRealPath()), MountTable.mountsUnder(tmp.resolve("with space")));
        assertFalse(MountTable.isMounted(tmp.resolve("with space")));
        assertFalse(MountTable.isMounted(tmp.resolve("absent")));
    }
}
