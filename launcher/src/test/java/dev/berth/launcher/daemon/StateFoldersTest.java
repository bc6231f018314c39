package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating and probing the state root and run folder, including folders that cannot be used. */
class StateFoldersTest {

    @TempDir
    Path temp;

    @Test
    void createsMissingFoldersWithTheirModes() throws Exception {
        Path root = temp.resolve("a/b/root");
        Path run = temp.resolve("run");

        StateFolders.prepare(root, run);

        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)));
        try (var entries = Files.list(root)) {
            List<String> expected = new java.util.ArrayList<>(StateFolders.PRIVATE_FOLDERS);
            expected.addAll(StateFolders.PASSAGE_FOLDERS);
            assertEquals(expected.stream().sorted().toList(),
                    entries.map(p -> p.getFileName().toString()).sorted().toList(), "the probe file is deleted again");
        }
        for (String name : StateFolders.PRIVATE_FOLDERS) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(name))),
                    name);
        }
        for (String name : StateFolders.PASSAGE_FOLDERS) {
            assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(name))),
                    name);
        }
    }

    @Test
    void anOlderPrivateRootBecomesTraversableAndItsLogFolderPrivate() throws Exception {
        Path root = Files.createDirectory(temp.resolve("old"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        Path events = Files.createDirectory(root.resolve("events"));
        Files.setPosixFilePermissions(events, PosixFilePermissions.fromString("rwxr-xr-x"));

        StateFolders.prepare(root, temp.resolve("run"));

        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(events)));
    }

    @Test
    void leavesTheModeOfAnExistingFolderAlone() throws Exception {
        Path root = Files.createDirectory(temp.resolve("root"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-x---"));

        StateFolders.prepare(root, "state root", StateFolders.ROOT_MODE);

        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
    }

    @Test
    void rootUnderARegularFileCannotBeCreated() throws Exception {
        Path file = Files.writeString(temp.resolve("file"), "x");
        Path root = file.resolve("root");

        DaemonException e = assertThrows(DaemonException.class, () -> StateFolders.prepare(root, temp.resolve("run")));

        assertEquals("cannot create state root " + root + ": " + file + " is not a folder", e.getMessage());
    }

    @Test
    void rootDeeperUnderARegularFileCannotBeCreated() throws Exception {
        Path file = Files.writeString(temp.resolve("file"), "x");
        Path root = file.resolve("a/b/root");

        DaemonException e = assertThrows(DaemonException.class, () -> StateFolders.prepare(root, temp.resolve("run")));

        assertTrue(e.getMessage().startsWith("cannot create state root " + root + ": "), e.getMessage());
    }

    @Test
    void runFolderUnderARegularFileIsNamedAsTheRunFolder() throws Exception {
        Path file = Files.writeString(temp.resolve("file"), "x");
        Path run = file.resolve("run");

        DaemonException e = assertThrows(DaemonException.class, () -> StateFolders.prepare(temp.resolve("root"), run));

        assertEquals("cannot create run folder " + run + ": " + file + " is not a folder", e.getMessage());
    }

    @Test
    void rootThatIsAFileIsRefused() throws Exception {
        Path root = Files.writeString(temp.resolve("root"), "x");

        DaemonException e = assertThrows(DaemonException.class, () -> StateFolders.prepare(root, temp.resolve("run")));

        assertEquals("state root " + root + " exists but is not a folder", e.getMessage());
    }

    @Test
    void existingFolderThatRefusesNewFilesIsNotWritable() throws Exception {
        Path root = unwritableFolder();

        DaemonException e = assertThrows(DaemonException.class,
                () -> StateFolders.prepare(root, "state root", StateFolders.ROOT_MODE));

        assertTrue(e.getMessage().startsWith("state root " + root + " is not writable: "), e.getMessage());
        assertTrue(e.getMessage().length() > ("state root " + root + " is not writable: ").length(), e.getMessage());
    }

    /**
     * A folder this process cannot create files in: a mode 0555 folder for an ordinary user; for root, which
     * ignores modes, /sys where the kernel refuses new files.
     */
    private Path unwritableFolder() throws IOException {
        Path folder = Files.createDirectory(temp.resolve("readonly"));
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!canCreateIn(folder)) {
            return folder;
        }
        Path sys = Path.of("/sys");
        assumeTrue(Files.isDirectory(sys) && !canCreateIn(sys), "no folder that refuses new files to this user");
        return sys;
    }

    private static boolean canCreateIn(Path folder) {
        Path probe = folder.resolve(".probe-" + ProcessHandle.current().pid());
        try {
            Files.createFile(probe);
            Files.delete(probe);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
