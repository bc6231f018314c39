package dev.berth.plugin.expand.impl;

import dev.berth.api.BerthException;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.plugin.PluginProperties;
import dev.berth.api.plugin.ScratchFolder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Date;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The expand stage's warm-up ({@link PluginProperties#WARM_UP}): a small layer made in memory (directories,
 * files, symbolic and hard links, gzipped) verified and unpacked by the same code as a pulled layer, into a
 * folder of its own under the run folder, which it deletes. So the daemon's first real layer does not run that
 * code for the first time. No snapshot is made, no event appended, nothing is fsynced, and nothing outside that
 * folder changes. Not thread-safe: the daemon runs it once.
 */
@Component(service = Runnable.class, property = PluginProperties.WARM_UP + "=expand")
public final class ExpandWarmUp implements Runnable {
    private static final String SCRATCH_PREFIX = ".expand-warm-up-";
    private static final int DIRECTORIES = 24;
    /** Every entry's mtime, so that the layer is the same bytes each time. */
    private static final Date MTIME = new Date(1_767_225_600_000L); // 2026-01-01
    private static final int FILES_PER_DIRECTORY = 16;

    private final Path scratchParent;

    @Activate
    public ExpandWarmUp(BundleContext context) {
        this(PluginProperties.runFolder(context::getProperty));
    }

    ExpandWarmUp(Path scratchParent) {
        this.scratchParent = scratchParent;
    }

    @Override
    public void run() {
        try {
            warmUp();
        } catch (BerthException | IOException e) {
            // A warm-up that fails warms less; the first layer reports its own trouble.
        }
    }

    /** Does the warm-up; returns what the unpacker reported. */
    UnpackResult warmUp() throws BerthException, IOException {
        byte[] layer = syntheticLayer();
        Descriptor blob = new Descriptor(MediaTypes.OCI_LAYER_GZIP, sha256(layer), layer.length);
        Path scratch = ScratchFolder.fresh(scratchParent, SCRATCH_PREFIX);
        try {
            Path tree = Files.createDirectory(scratch.resolve("tree"));
            VerifyingInputStream verified = new VerifyingInputStream(new ByteArrayInputStream(layer), blob);
            UnpackResult result = new LayerUnpacker().unpack(verified, tree);
            verified.verify();
            return result;
        } finally {
            ScratchFolder.delete(scratch);
        }
    }

    /** A gzipped tar of {@value #DIRECTORIES} directories, each with files, a symbolic and a hard link. */
    static byte[] syntheticLayer() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (int d = 0; d < DIRECTORIES; d++) {
                String dir = "usr/share/d" + d + "/";
                TarArchiveEntry directory = new TarArchiveEntry(dir);
                directory.setMode(040755);
                directory.setModTime(MTIME);
                tar.putArchiveEntry(directory);
                tar.closeArchiveEntry();
                for (int f = 0; f < FILES_PER_DIRECTORY; f++) {
                    byte[] content = ("line " + d + "." + f + " of a warm-up layer\n").repeat(40 + 20 * (f % 5))
                            .getBytes(StandardCharsets.US_ASCII);
                    TarArchiveEntry file = new TarArchiveEntry(dir + "file-" + f);
                    file.setMode(f % 4 == 0 ? 0100755 : 0100644);
                    file.setModTime(MTIME);
                    file.setSize(content.length);
                    tar.putArchiveEntry(file);
                    tar.write(content);
                    tar.closeArchiveEntry();
                }
                TarArchiveEntry symlink = new TarArchiveEntry(dir + "link", TarConstants.LF_SYMLINK);
                symlink.setLinkName("file-0");
                symlink.setModTime(MTIME);
                tar.putArchiveEntry(symlink);
                tar.closeArchiveEntry();
                TarArchiveEntry hardlink = new TarArchiveEntry(dir + "hard", TarConstants.LF_LINK);
                hardlink.setLinkName(dir + "file-1");
                hardlink.setModTime(MTIME);
                tar.putArchiveEntry(hardlink);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static Digest sha256(byte[] bytes) {
        try {
            return Digest.sha256(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }
}
