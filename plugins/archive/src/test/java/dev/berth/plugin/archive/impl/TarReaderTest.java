package dev.berth.plugin.archive.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Reads archives GNU tar writes in each of its formats, with names too long for a plain ustar header. */
class TarReaderTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gnu", "pax", "ustar", "v7"})
    void readsLongNamesAndLinksInEveryFormat(String format) throws Exception {
        boolean shortOnly = format.equals("v7");
        String deep = shortOnly ? "d/e" : "a".repeat(60) + "/" + "b".repeat(60) + "/" + "c".repeat(20);
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve(deep));
        Files.writeString(src.resolve("0.txt"), "payload");
        Files.writeString(src.resolve(deep).resolve("file.txt"), "deep");
        Files.createLink(src.resolve(deep).resolve("link.txt"), src.resolve("0.txt"));
        Path archive = tmp.resolve(format + ".tar");
        Fixtures.Run tar = Fixtures.run(List.of("tar", "--format=" + format, "--sort=name", "-C", src.toString(),
                "-cf", archive.toString(), "."));
        assertEquals(0, tar.exit(), tar.output());

        List<String> seen = new ArrayList<>();
        try (InputStream in = Files.newInputStream(archive)) {
            TarReader reader = new TarReader(in);
            TarReader.Entry entry;
            while ((entry = reader.next()) != null) {
                String data = new String(reader.data().readAllBytes());
                seen.add(entry.type() + " " + entry.name()
                        + (entry.type() == TarReader.Type.HARDLINK ? " -> " + entry.linkName() : "")
                        + (data.isEmpty() ? "" : " = " + data));
            }
            assertNull(reader.next());
        }
        assertEquals(List.of("DIRECTORY ./", "FILE ./0.txt = payload", "DIRECTORY ./" + deep.split("/")[0] + "/"),
                seen.subList(0, 3));
        assertEquals("FILE ./" + deep + "/file.txt = deep", seen.get(seen.size() - 2));
        assertEquals("HARDLINK ./" + deep + "/link.txt -> ./0.txt", seen.get(seen.size() - 1));
    }
}
