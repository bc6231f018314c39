package dev.berth.launcher.daemon;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;

/**
 * SHA-256 and SHA-512 from the system's NSS library (libsoftokn3, through the JDK's PKCS#11 provider) for the
 * whole daemon: every {@code MessageDigest.getInstance("SHA-256")}, in any bundle, gets it first.
 *
 * <p>Why: {@code bin/berth} runs the daemon with the C1 compiler only ({@code -XX:TieredStopAtLevel=1}), which
 * starts it sooner and leaves it smaller, when NSS is there. The JDK's own SHA-256 is fast only once C2 has
 * compiled it onto the processor's SHA instructions; without C2 it hashes about ten times slower. NSS hashes
 * with those instructions from the first byte, whichever compiler runs. Only the two digests are taken from
 * it ({@code enabledMechanisms}); signatures, TLS and every other algorithm stay with the JDK's providers.
 *
 * <p>Loading NSS costs about 0.2 s of one processor in a cold JVM, so {@link #installInBackground} does it
 * beside the framework's start; a digest asked for before then comes from the JDK, as it would without NSS.
 */
final class NativeDigests {

    /** System property naming the folder that holds {@code libsoftokn3.so}; set by {@code bin/berth}. */
    static final String PROPERTY = "berth.digest.nss";

    /** The name the provider gets ({@code SunPKCS11-} is prefixed by the JDK). */
    static final String NAME = "BerthDigests";

    private static Provider nss;
    private static Path nssFolder;

    private NativeDigests() {
    }

    /** Starts {@link #install} on a daemon thread if {@value #PROPERTY} names a folder; otherwise does nothing. */
    static void installInBackground(PrintStream err) {
        String folder = System.getProperty(PROPERTY);
        if (folder == null || folder.isBlank()) {
            return;
        }
        Thread thread = new Thread(() -> install(Path.of(folder), err), "berth-digests");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Puts NSS's SHA-256 and SHA-512 first among the providers; returns whether SHA-256 now comes from it. A
     * failure is reported on {@code err} and leaves the JDK's providers as they were.
     */
    static boolean install(Path folder, PrintStream err) {
        String why;
        try {
            if (!Files.isRegularFile(folder.resolve("libsoftokn3.so"))) {
                why = "no libsoftokn3.so in " + folder;
            } else {
                Provider pkcs11 = Security.getProvider("SunPKCS11");
                if (pkcs11 == null) {
                    why = "this JDK has no SunPKCS11 provider";
                } else {
                    Provider provider = configured(pkcs11, folder);
                    Security.insertProviderAt(provider, 1);
                    Provider answered = MessageDigest.getInstance("SHA-256").getProvider();
                    if (answered == provider) {
                        return true;
                    }
                    Security.removeProvider(provider.getName());
                    why = "SHA-256 still came from " + answered.getName();
                }
            }
        } catch (NoSuchAlgorithmException | RuntimeException e) {
            why = e.toString();   // ProviderException, InvalidParameterException, SecurityException among them
        }
        err.println("berth daemon: SHA-256 comes from the JDK, not from NSS (" + why + "); with the C1-only "
                + "compiler bin/berth chose for NSS, pulls hash about ten times slower");
        return false;
    }

    /**
     * NSS from {@code folder}, configured once per JVM: a second configuration fails ("Secmod module already
     * configured"), so a second install reuses the first, and one from another folder is refused.
     */
    private static synchronized Provider configured(Provider pkcs11, Path folder) {
        if (nss == null) {
            nss = pkcs11.configure(config(folder));
            nssFolder = folder;
        } else if (!nssFolder.equals(folder)) {
            throw new IllegalStateException("NSS is already loaded from " + nssFolder);
        }
        return nss;
    }

    /** The PKCS#11 configuration: NSS without a key database, offering the two digests only. */
    static String config(Path folder) {
        return "--name = " + NAME + "\n"
                + "nssLibraryDirectory = " + folder + "\n"
                + "nssDbMode = noDb\n"
                + "enabledMechanisms = {\n  CKM_SHA256\n  CKM_SHA512\n}\n";
    }
}
