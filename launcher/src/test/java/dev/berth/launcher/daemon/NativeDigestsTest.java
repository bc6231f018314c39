package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Security;
import java.security.Signature;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SHA-256 and SHA-512 from the system's NSS, as the daemon takes them under the C1-only compiler. */
class NativeDigestsTest {

    private static final String PROVIDER = "SunPKCS11-" + NativeDigests.NAME;

    @TempDir
    Path empty;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void removeProvider() {
        Security.removeProvider(PROVIDER);
    }

    /** The folder with libsoftokn3.so, as bin/berth looks for it; the test is skipped, saying so, without. */
    private static Path nssFolder() {
        Path found = Stream.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib")
                .map(Path::of).filter(dir -> Files.isRegularFile(dir.resolve("libsoftokn3.so")))
                .findFirst().orElse(null);
        if (found == null) {
            System.out.println("NativeDigestsTest: skipped, no libsoftokn3.so here (Debian: apt-get install libnss3)");
        }
        assumeTrue(found != null, "no libsoftokn3.so here (Debian: apt-get install libnss3)");
        return found;
    }

    @Test
    void nssAnswersSha256AndSha512WithTheStandardDigests() throws Exception {
        assertTrue(NativeDigests.install(nssFolder(), new PrintStream(err, true, StandardCharsets.UTF_8)),
                err.toString(StandardCharsets.UTF_8));

        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
        assertEquals(PROVIDER, sha256.getProvider().getName());
        assertEquals(PROVIDER, sha512.getProvider().getName());
        // FIPS 180-2's test vector "abc", and a digest fed in pieces as the pull stage feeds a blob.
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                HexFormat.of().formatHex(sha256.digest("abc".getBytes(StandardCharsets.US_ASCII))));
        assertEquals("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
                HexFormat.of().formatHex(sha512.digest("abc".getBytes(StandardCharsets.US_ASCII))));
        byte[] blob = new byte[1 << 20];
        new java.util.Random(7).nextBytes(blob);
        MessageDigest pieces = MessageDigest.getInstance("SHA-256");
        for (int at = 0; at < blob.length; at += 65_536 - 7) {
            pieces.update(blob, at, Math.min(65_536 - 7, blob.length - at));
        }
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256", "SUN").digest(blob)),
                HexFormat.of().formatHex(pieces.digest()));
    }

    @Test
    void everythingElseStaysWithTheJdk() throws Exception {
        assertTrue(NativeDigests.install(nssFolder(), new PrintStream(err, true, StandardCharsets.UTF_8)),
                err.toString(StandardCharsets.UTF_8));

        assertNotEquals(PROVIDER, MessageDigest.getInstance("SHA-1").getProvider().getName());
        assertNotEquals(PROVIDER, Signature.getInstance("SHA256withRSA").getProvider().getName());
    }

    @Test
    void aFolderWithoutNssLeavesTheJdkDigestAndSaysWhy() throws Exception {
        boolean installed = NativeDigests.install(empty, new PrintStream(err, true, StandardCharsets.UTF_8));

        assertFalse(installed);
        assertNotEquals(PROVIDER, MessageDigest.getInstance("SHA-256").getProvider().getName());
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("SHA-256 comes from the JDK, not from NSS (no libsoftokn3.so in " + empty + ")"),
                message);
    }

    @Test
    void aBrokenNssLibraryLeavesTheJdkDigestAndSaysWhy() throws Exception {
        Files.writeString(empty.resolve("libsoftokn3.so"), "not a shared library");

        boolean installed = NativeDigests.install(empty, new PrintStream(err, true, StandardCharsets.UTF_8));

        assertFalse(installed);
        assertNotEquals(PROVIDER, MessageDigest.getInstance("SHA-256").getProvider().getName());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("SHA-256 comes from the JDK, not from NSS ("),
                err.toString(StandardCharsets.UTF_8));
    }
}
