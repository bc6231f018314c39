package dev.berth.plugin.expand.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Digest;
import dev.berth.api.plugin.ScratchFolder;
import io.airlift.compress.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * Unpacks one OCI layer (plain, gzip or zstd tar) into an empty directory, converting OCI whiteouts to
 * the overlayfs form and computing the DiffID on the way; thread-safe: it holds only immutable
 * settings, and each {@link #unpack} call keeps its state to itself.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Entry names are cleaned: empty and {@code .} components dropped, {@code ..} applied. A name whose
 *       {@code ..} would climb above the root is rejected. A leading {@code /} is stripped, so an
 *       absolute name lands inside the root as GNU tar does by default; it is never rejected, since
 *       {@code /etc/passwd} and {@code ./etc/passwd} name the same file in an image.</li>
 *   <li>Parent directories are resolved one component at a time inside the root. A parent that is a
 *       symlink is followed only within the root: an absolute target is read relative to the root (as
 *       the container will see it), and a target whose {@code ..} climbs above the root is rejected.
 *       The final component is never followed: an existing path there is replaced, except that a
 *       directory entry over an existing directory keeps it and updates its metadata.</li>
 *   <li>Hardlink targets are resolved the same way and must already have been extracted by this
 *       layer (they may not be directories, whiteouts or the root).</li>
 *   <li>The root itself ({@code .}, {@code /}) may only be a directory entry.</li>
 *   <li>{@code .wh.NAME} becomes a 0:0 character device {@code NAME}; {@code .wh..wh..opq} sets
 *       {@code trusted.overlay.opaque=y} on its directory; other {@code .wh..wh.} names (aufs metadata)
 *       are skipped. A whiteout naming nothing, {@code .} or {@code ..}, or used as a directory, is
 *       rejected. xattrs {@code trusted.overlay.*} carried by the layer itself are skipped, since they
 *       would steer overlayfs.</li>
 * </ul>
 * Every rejection is a {@link BerthException} of kind {@link ErrorKind#INVALID} whose message names the
 * entry and the rule. Failures of the local filesystem are {@link ErrorKind#UNAVAILABLE}. The target
 * must not be modified by anyone else while an unpack runs.
 */
public final class LayerUnpacker {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final LinkOption[] NOFOLLOW_VIEW = {NOFOLLOW};
    private static final LinkOption[] FOLLOW_VIEW = {};
    private static final int BUFFER = 1 << 16;
    private static final int READ_AHEAD_CHUNK = 1 << 18;
    private static final int READ_AHEAD_CHUNKS = 16;
    private static final int MAX_SYMLINK_HOPS = 40;
    private static final int MAX_WARNINGS = 50;
    private static final String WHITEOUT_PREFIX = ".wh.";
    private static final String WHITEOUT_META_PREFIX = ".wh..wh.";
    private static final String WHITEOUT_OPAQUE = ".wh..wh..opq";
    private static final String OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final String SCHILY_XATTR = "SCHILY.xattr.";
    private static final int MAX_PAX_BYTES = 16 << 20;
    /** Bound on the characters of the names in {@link Run#resolvedDirs}, so a hostile layer cannot grow it at will. */
    private static final int MAX_RESOLVED_CHARS = 1 << 21;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final Set<OpenOption> CREATE_FILE = Set.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, NOFOLLOW);
    /** The create-time permission attribute for each of the 512 values of the low nine mode bits. */
    private static final FileAttribute<?>[] PERMISSIONS = new FileAttribute<?>[512];

    static {
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ (0400) ... OTHERS_EXECUTE (01)
        for (int mode = 0; mode < 512; mode++) {
            Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
            for (int i = 0; i < 9; i++) {
                if ((mode & (0400 >> i)) != 0) {
                    set.add(bits[i]);
                }
            }
            PERMISSIONS[mode] = PosixFilePermissions.asFileAttribute(set);
        }
    }

    /** Compression detected from the first bytes of a blob. */
    enum Compression {
        NONE, GZIP, ZSTD
    }

    private final Limits limits;
    private final Gunzip gunzip;
    private final HostTools tools;

    /** An unpacker with the given limits; gzip layers are inflated by {@link Gunzip#forHost}. */
    public LayerUnpacker(Limits limits) {
        this(limits, Gunzip.forHost());
    }

    /** An unpacker with the given limits that inflates gzip layers with {@code gunzip}. */
    LayerUnpacker(Limits limits, Gunzip gunzip) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.gunzip = Objects.requireNonNull(gunzip, "gunzip");
        this.tools = new HostTools();
    }

    /** An unpacker with {@link Limits#defaults()}. */
    public LayerUnpacker() {
        this(Limits.defaults());
    }

    /** The limits every layer must stay within. */
    public Limits limits() {
        return limits;
    }

    /**
     * Reads {@code blob} to its end and unpacks it into {@code target}, an existing empty directory.
     * {@code blob} is not closed. On failure {@code target} holds a partial tree that the caller must
     * discard (see {@link SnapshotStore}).
     *
     * @throws BerthException INVALID when the layer breaks a rule or a limit or is not a (complete)
     *     tar; UNAVAILABLE when the local filesystem fails
     */
    public UnpackResult unpack(InputStream blob, Path target) throws BerthException {
        Objects.requireNonNull(blob, "blob");
        Objects.requireNonNull(target, "target");
        long start = System.nanoTime();
        Path root;
        try {
            if (!Files.isDirectory(target, NOFOLLOW)) {
                throw new BerthException(ErrorKind.INVALID, "unpack layer into " + target + ": not a directory");
            }
            root = target.toRealPath();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "unpack layer into " + target + ": " + e, e);
        }
        LayerStream.CountingInput counted = new LayerStream.CountingInput(blob);
        BufferedInputStream compressed = new BufferedInputStream(counted, BUFFER);
        Compression compression;
        try {
            compression = detect(compressed);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INVALID, "unpack layer: read blob: " + e.getMessage(), e);
        }
        Run run = new Run(root);
        try (InputStream decompressed = decompressor(compression, compressed)) {
            LayerStream layer = new LayerStream(decompressed, counted, compression != Compression.NONE, limits);
            run.layer = layer;
            // Hash (and inflate, unless igzip does) on another core while this thread writes the entries;
            // closed (and its thread stopped) before the decompressor is.
            try (ReadAheadInputStream ahead = new ReadAheadInputStream(layer, READ_AHEAD_CHUNK, READ_AHEAD_CHUNKS)) {
                run.ahead = ahead;
                BufferedInputStream peekable = new BufferedInputStream(ahead, BUFFER);
                run.checkFirstHeader(peekable);
                TarArchiveInputStream tar = new CheckedTarInputStream(peekable);
                run.extractAll(tar);
                run.finishDirectories();
                String hex = layer.hexDigest();
                return new UnpackResult(Digest.sha256(hex), run.entries, layer.count(), run.files, run.directories,
                        run.symlinks, run.hardlinks, run.devices, run.whiteouts, run.xattrsSkipped, run.warnings,
                        Duration.ofNanos(System.nanoTime() - start));
            }
        } catch (IOException e) {
            throw run.readFailure(e);
        } catch (LinkageError e) {
            // aircompressor needs sun.misc.Unsafe; without it only zstd layers are unreadable.
            throw new BerthException(ErrorKind.UNAVAILABLE, "unpack layer: " + compression
                    + " decoder unavailable in this JVM: " + e, e);
        }
    }

    /** Peeks at the magic bytes without consuming them. */
    static Compression detect(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return Compression.GZIP;
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        return Compression.NONE;
    }

    private InputStream decompressor(Compression compression, InputStream in) throws IOException {
        return switch (compression) {
            case GZIP -> gunzip.open(in);
            case ZSTD -> new DecoderFailures(new ZstdInputStream(in));
            case NONE -> in;
        };
    }

    /**
     * Reports a decoder's unchecked failure as the {@link IOException} a corrupt layer is: aircompressor's zstd
     * decoder throws {@code MalformedInputException} (a RuntimeException) for a bad frame or checksum, which would
     * otherwise escape {@link #unpack} instead of its INVALID {@link BerthException}.
     */
    private static final class DecoderFailures extends java.io.FilterInputStream {
        DecoderFailures(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (RuntimeException e) {
                throw corrupt(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (RuntimeException e) {
                throw corrupt(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return super.skip(n);
            } catch (RuntimeException e) {
                throw corrupt(e);
            }
        }

        private static IOException corrupt(RuntimeException e) {
            return new IOException("corrupt compressed stream: " + e.getMessage(), e);
        }
    }

    /** Whether a 512-byte header's checksum matches; garbage in the checksum field is a mismatch. */
    static boolean checksumOk(byte[] header) {
        try {
            return TarUtils.verifyCheckSum(header);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * A tar reader that verifies every header's checksum (Commons Compress does not), so a corrupt or
     * spliced layer fails instead of yielding garbage entries; not thread-safe.
     */
    private static final class CheckedTarInputStream extends TarArchiveInputStream {
        private final ByteArrayOutputStream paxBytes = new ByteArrayOutputStream();
        private final byte[] skipBuffer = new byte[8192];

        CheckedTarInputStream(InputStream in) {
            super(in, StandardCharsets.UTF_8.name());
        }

        /**
         * Keeps the raw bytes of per-entry PAX headers as Commons Compress parses them (it reads them
         * through this method): it decodes values as UTF-8, which mangles binary xattr values such as
         * {@code security.capability}.
         */
        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            TarArchiveEntry cur = getCurrentEntry();
            if (n > 0 && cur != null && cur.isPaxHeader() && paxBytes.size() < MAX_PAX_BYTES) {
                paxBytes.write(buf, off, n);
            }
            return n;
        }

        /** The SCHILY.xattr.* records of the PAX headers read since the last call, values as raw bytes. */
        Map<String, byte[]> takeRawXattrs() {
            if (paxBytes.size() == 0) {
                return Map.of();
            }
            byte[] b = paxBytes.toByteArray();
            paxBytes.reset();
            Map<String, byte[]> out = new LinkedHashMap<>();
            int pos = 0;
            while (pos < b.length) {
                int sp = pos;
                long len = 0;
                while (sp < b.length && b[sp] >= '0' && b[sp] <= '9' && len < b.length) {
                    len = len * 10 + (b[sp] - '0');
                    sp++;
                }
                if (sp >= b.length || b[sp] != ' ' || len <= sp - pos || pos + len > b.length) {
                    break; // malformed: Commons Compress has already rejected or ignored it
                }
                int end = (int) (pos + len); // record is [pos, end), ending in '\n'
                int eq = sp + 1;
                while (eq < end && b[eq] != '=') {
                    eq++;
                }
                if (eq < end) {
                    String key = new String(b, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
                    if (key.startsWith(SCHILY_XATTR)) {
                        int valueEnd = b[end - 1] == '\n' ? end - 1 : end;
                        out.put(key, Arrays.copyOfRange(b, eq + 1, valueEnd));
                    }
                }
                pos = end;
            }
            return out;
        }

        /**
         * Moves past the rest of the current entry and its record padding with one buffer of this stream's own,
         * then lets Commons Compress read the next header. Commons Compress does the same through
         * {@code IOUtils.skip}, which takes a new 8 KiB array on every call, twice per entry: half of all a pull
         * allocated (109 MB for a Debian layer of 6,675 entries), and about ten collections of the daemon's
         * small young generation per pull, each of which stops every thread of the pipeline.
         */
        @Override
        public TarArchiveEntry getNextEntry() throws IOException {
            TarArchiveEntry entry = getCurrentEntry();
            if (entry != null && !isAtEOF()) {
                while (read(skipBuffer, 0, skipBuffer.length) >= 0) {
                    // to the end of the entry's data; read() fails on a truncated layer
                }
                long size = entry.getSize();
                int record = getRecordSize();
                if (!entry.isDirectory() && size > 0 && size % record != 0) {
                    long padding = record - size % record;
                    long skipped = 0;
                    while (skipped < padding) {
                        int n = in.read(skipBuffer, 0, (int) Math.min(skipBuffer.length, padding - skipped));
                        if (n < 0) {
                            throw new IOException("Truncated TAR archive");
                        }
                        skipped += n;
                    }
                    count(skipped);
                }
                setCurrentEntry(null); // so the library skips nothing more
            }
            return super.getNextEntry();
        }

        @Override
        protected byte[] readRecord() throws IOException {
            byte[] record = super.readRecord();
            if (record != null && record.length == getRecordSize() && !isEOFRecord(record) && !checksumOk(record)) {
                throw new IOException("tar header checksum mismatch (corrupt or not a tar)");
            }
            return record;
        }
    }

    /** Cleans a tar name or link name into components below the root; see the class rules. */
    List<String> clean(String name, String what, String entry) throws BerthException {
        if (name.length() > limits.maxPathLength()) {
            throw reject(entry, what + " is longer than the limit of " + limits.maxPathLength() + " characters");
        }
        if (name.indexOf('\0') >= 0) {
            throw reject(entry, what + " contains a NUL character");
        }
        List<String> out = new ArrayList<>();
        for (String c : name.split("/", -1)) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (out.isEmpty()) {
                    throw reject(entry, what + " escapes the root through \"..\"");
                }
                out.remove(out.size() - 1);
            } else {
                out.add(c);
            }
        }
        return out;
    }

    private static BerthException reject(String entry, String rule) {
        return new BerthException(ErrorKind.INVALID, "unpack layer: entry " + quote(entry) + ": " + rule);
    }

    private static String quote(String s) {
        String shown = s.length() > 300 ? s.substring(0, 300) + "..." : s;
        return "\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\0", "\\0")
                + "\"";
    }

    /** Mode and times of a directory entry, applied after everything else (deepest first). */
    private record DirMeta(int mode, FileTime mtime, FileTime atime) {
    }

    /** The state of one unpack call; confined to the calling thread. */
    private final class Run {
        final Path root;
        final Map<Path, DirMeta> dirs = new LinkedHashMap<>();
        final Set<Path> whiteoutNodes = new HashSet<>();
        /**
         * Cleaned directory names ("a/b") this unpack has already resolved (see {@link #resolveDirectory}) or
         * created, to the real directory each one is, so an entry does not lstat every parent again. A cached
         * answer can only go stale if something on its path is removed or replaced, and this unpack is the only
         * writer of the tree (the class contract) and removes things only in {@link #clearFor}, which empties
         * the cache whenever it removes anything; creating a name where nothing was cannot change how an
         * existing path resolves.
         */
        final Map<String, Path> resolvedDirs = new HashMap<>();
        long resolvedChars;
        final List<String> warnings = new ArrayList<>();
        LayerStream layer;
        ReadAheadInputStream ahead;
        Map<String, byte[]> rawXattrs = Map.of();
        String current = "(start of layer)";
        long entries;
        long files;
        long directories;
        long symlinks;
        long hardlinks;
        long devices;
        long whiteouts;
        long xattrsSkipped;
        final byte[] buffer = new byte[BUFFER];

        Run(Path root) {
            this.root = root;
        }

        /** An INVALID error for a failed read, naming the limit if one was crossed. */
        BerthException readFailure(IOException e) {
            if (layer != null && layer.tripped() != null) {
                return reject(current, layer.tripped().getMessage());
            }
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new BerthException(ErrorKind.INVALID, "unpack layer: entry " + quote(current)
                    + ": truncated or corrupt layer: " + msg, e);
        }

        /** A filesystem failure: the entry, what was done to which file (its full path: which disk), the cause. */
        BerthException fsFailure(Path path, String action, IOException e) {
            String cause = e.getClass() == IOException.class && e.getMessage() != null ? e.getMessage() : e.toString();
            return new BerthException(ErrorKind.UNAVAILABLE, "unpack layer: entry " + quote(current) + ": "
                    + action + " " + path + ": " + cause, e);
        }

        void checkFirstHeader(BufferedInputStream in) throws IOException, BerthException {
            in.mark(512);
            byte[] first = in.readNBytes(512);
            in.reset();
            if (first.length == 0) {
                return;
            }
            if (first.length < 512) {
                throw reject(current, "not a tar archive: the stream ends after " + first.length
                        + " bytes, inside the first 512-byte header");
            }
            boolean zeros = true;
            for (byte b : first) {
                if (b != 0) {
                    zeros = false;
                    break;
                }
            }
            if (!zeros && !checksumOk(first)) {
                throw reject(current, "not a tar archive: the first header's checksum is wrong");
            }
        }

        void extractAll(TarArchiveInputStream tar) throws IOException, BerthException {
            while (true) {
                TarArchiveEntry e;
                try {
                    e = tar.getNextEntry();
                } catch (IllegalArgumentException bad) {
                    throw new IOException("bad tar header after " + quote(current) + ": " + bad.getMessage(), bad);
                }
                if (e == null) {
                    break;
                }
                rawXattrs = tar instanceof CheckedTarInputStream c ? c.takeRawXattrs() : Map.of();
                current = e.getName();
                entries++;
                if (entries > limits.maxEntries()) {
                    throw reject(current, "layer has more than the limit of " + limits.maxEntries() + " entries");
                }
                extract(tar, e);
            }
            current = "(end of layer)";
            // The DiffID covers the whole stream, end-of-archive blocks and any trailing padding included.
            // Drained through the read-ahead: at its end the source has been read (and hashed) completely.
            while (ahead.read(buffer) >= 0) {
                // hashed by LayerStream on the read-ahead thread
            }
            if (layer.count() % 512 != 0) {
                throw reject(current, "truncated tar: " + layer.count() + " bytes is not a whole number of"
                        + " 512-byte records");
            }
        }

        void extract(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException, BerthException {
            String name = e.getName();
            List<String> comps = clean(name, "name", name);
            // The type flag decides; a trailing "/" makes a directory only for plain-file flags (old tar).
            boolean special = e.isLink() || e.isSymbolicLink() || e.isCharacterDevice() || e.isBlockDevice()
                    || e.isFIFO();
            boolean directory = !special && e.isDirectory();
            if (comps.isEmpty()) {
                if (!directory) {
                    throw reject(name, "an entry may not change the type of the root (only a directory may"
                            + " name the root)");
                }
                directories++;
                setOwner(root, e);
                applyXattrs(root, e, true);
                dirs.put(root, dirMeta(e));
                return;
            }
            String base = comps.get(comps.size() - 1);
            List<String> parents = comps.subList(0, comps.size() - 1);
            if (base.startsWith(WHITEOUT_PREFIX)) {
                whiteout(name, base, parents);
                return;
            }
            if (e.isLink()) {
                hardlink(e, name, parents, base);
                return;
            }
            Path dir = resolveDirectory(parents, name, true);
            Path path = dir.resolve(base);
            if (directory) {
                makeDirectory(path);
                directories++;
                setOwner(path, e);
                applyXattrs(path, e, true);
                dirs.put(path, dirMeta(e));
                // Entries inside it usually follow: they find it here instead of by an lstat per component.
                remember(String.join("/", comps), path);
            } else if (e.isSymbolicLink()) {
                String target = e.getLinkName();
                if (target.isEmpty()) {
                    throw reject(name, "symlink has an empty target");
                }
                if (target.length() > limits.maxPathLength() || target.indexOf('\0') >= 0) {
                    throw reject(name, "symlink target is longer than " + limits.maxPathLength()
                            + " characters or contains NUL");
                }
                Path link;
                try {
                    link = path.getFileSystem().getPath(target);
                } catch (InvalidPathException x) {
                    throw fsFailure(path, "create symlink", new IOException(x.toString(), x));
                }
                create(path, "create symlink", () -> Files.createSymbolicLink(path, link));
                symlinks++;
                setOwner(path, e);
                applyXattrs(path, e, false);
                setTimes(path, e);
            } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                HostTools.NodeType type = e.isCharacterDevice() ? HostTools.NodeType.CHAR
                        : e.isBlockDevice() ? HostTools.NodeType.BLOCK : HostTools.NodeType.FIFO;
                clearFor(path, false);
                try {
                    tools.mknod(path, type, 0600, e.getDevMajor(), e.getDevMinor());
                } catch (IOException x) {
                    throw fsFailure(path, "mknod", x);
                }
                devices++;
                finishNode(path, e, true);
            } else if (e.isFile()) {
                writeFile(tar, e, path);
                files++;
                finishNode(path, e, false);
            } else {
                throw reject(name, "unsupported tar entry type '" + (char) e.getLinkFlag() + "'");
            }
        }

        private void writeFile(TarArchiveInputStream tar, TarArchiveEntry e, Path path)
                throws IOException, BerthException {
            long expected = e.isSparse() ? e.getRealSize() : e.getSize();
            long written = 0;
            // Created with its permission bits (less the umask), so finishNode usually needs no chmod;
            // setuid, setgid and sticky bits cannot be given here and always come from that chmod, after
            // the chown.
            FileAttribute<?> perms = PERMISSIONS[e.getMode() & 0777];
            SeekableByteChannel out;
            try {
                out = Files.newByteChannel(path, CREATE_FILE, perms);
            } catch (FileAlreadyExistsException taken) {
                clearFor(path, false);
                try {
                    out = Files.newByteChannel(path, CREATE_FILE, perms);
                } catch (IOException x) {
                    throw fsFailure(path, "create file", x);
                }
            } catch (IOException x) {
                throw fsFailure(path, "create file", x);
            }
            try {
                while (true) {
                    int n = tar.read(buffer); // an IOException here is the layer's fault: unpack() maps it
                    if (n < 0) {
                        break;
                    }
                    ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                    try {
                        while (chunk.hasRemaining()) {
                            out.write(chunk);
                        }
                    } catch (IOException x) {
                        throw fsFailure(path, "write", x);
                    }
                    written += n;
                }
            } finally {
                try {
                    out.close();
                } catch (IOException x) {
                    throw fsFailure(path, "close", x);
                }
            }
            if (written != expected) {
                throw reject(current, "truncated layer: file has " + written + " of " + expected + " bytes");
            }
        }

        private void hardlink(TarArchiveEntry e, String name, List<String> parents, String base)
                throws BerthException {
            String linkName = e.getLinkName();
            List<String> target = clean(linkName, "hardlink target " + quote(linkName), name);
            if (target.isEmpty()) {
                throw reject(name, "hardlink target " + quote(linkName) + " is the root");
            }
            Path targetDir = resolveDirectory(target.subList(0, target.size() - 1), name, false);
            Path targetPath = targetDir == null ? null : targetDir.resolve(target.get(target.size() - 1));
            BasicFileAttributes ta = targetPath == null ? null : lstat(targetPath);
            if (ta == null) {
                throw reject(name, "hardlink target " + quote(linkName)
                        + " has not been extracted by this layer (not yet extracted, or outside the layer)");
            }
            if (ta.isDirectory()) {
                throw reject(name, "hardlink target " + quote(linkName) + " is a directory");
            }
            if (whiteoutNodes.contains(targetPath)) {
                throw reject(name, "hardlink target " + quote(linkName) + " is a whiteout");
            }
            Path dir = resolveDirectory(parents, name, true);
            Path path = dir.resolve(base);
            if (path.equals(targetPath)) {
                warn("hardlink " + quote(name) + " to itself ignored");
                return;
            }
            create(path, "create hardlink", () -> Files.createLink(path, targetPath));
            hardlinks++;
        }

        private void whiteout(String name, String base, List<String> parents) throws BerthException {
            if (base.equals(WHITEOUT_OPAQUE)) {
                Path dir = resolveDirectory(parents, name, true);
                try {
                    tools.setXattr(dir, OPAQUE_XATTR, new byte[] {'y'});
                } catch (IOException x) {
                    throw fsFailure(dir, "mark opaque (" + OPAQUE_XATTR + ")", x);
                }
                whiteouts++;
                return;
            }
            if (base.startsWith(WHITEOUT_META_PREFIX)) {
                warn("aufs metadata entry " + quote(name) + " skipped");
                return;
            }
            String hidden = base.substring(WHITEOUT_PREFIX.length());
            if (hidden.isEmpty()) {
                throw reject(name, "whiteout names nothing (empty name after \".wh.\")");
            }
            if (hidden.equals(".") || hidden.equals("..")) {
                throw reject(name, "whiteout may not name \".\" or \"..\"");
            }
            Path dir = resolveDirectory(parents, name, true);
            Path path = dir.resolve(hidden);
            BasicFileAttributes existing = lstat(path);
            if (existing != null && !whiteoutNodes.contains(path)) {
                // OCI: a whiteout only hides lower layers; what this layer itself put there stays.
                warn("whiteout " + quote(name) + " ignored: this layer also provides " + quote(hidden));
                return;
            }
            if (existing == null) {
                try {
                    tools.mknod(path, HostTools.NodeType.CHAR, 0, 0, 0);
                } catch (IOException x) {
                    throw fsFailure(path, "create whiteout device", x);
                }
                whiteoutNodes.add(path);
            }
            whiteouts++;
        }

        /**
         * Resolves {@code parents} to a real directory inside the root, one component at a time, following
         * symlinks only within the root. Missing directories are created (mode 0755) when {@code create},
         * else null is returned.
         */
        Path resolveDirectory(List<String> parents, String entry, boolean create) throws BerthException {
            if (parents.isEmpty()) {
                return root;
            }
            String key = String.join("/", parents);
            Path known = resolvedDirs.get(key);
            if (known != null) {
                return known;
            }
            Path resolved = walk(parents, entry, create);
            if (resolved != null) {
                remember(key, resolved);
            }
            return resolved;
        }

        /** Caches the real directory {@code dir} for the cleaned name {@code key}; see {@link #resolvedDirs}. */
        private void remember(String key, Path dir) {
            if (resolvedChars + key.length() > MAX_RESOLVED_CHARS) {
                forgetResolved(); // only a shortcut: starting over is always correct
            }
            if (resolvedDirs.put(key, dir) == null) {
                resolvedChars += key.length();
            }
        }

        private void forgetResolved() {
            resolvedDirs.clear();
            resolvedChars = 0;
        }

        /** {@link #resolveDirectory} without the cache: an lstat (and a readlink) per component. */
        private Path walk(List<String> parents, String entry, boolean create) throws BerthException {
            Deque<String> todo = new ArrayDeque<>(parents);
            Path cur = root;
            int depth = 0;
            int hops = 0;
            while (!todo.isEmpty()) {
                String c = todo.pollFirst();
                if (c.isEmpty() || c.equals(".")) {
                    continue;
                }
                if (c.equals("..")) {
                    if (depth == 0) {
                        throw reject(entry, "a symlink on the path escapes the root");
                    }
                    cur = cur.getParent();
                    depth--;
                    continue;
                }
                if (c.startsWith(WHITEOUT_PREFIX)) {
                    throw reject(entry, "whiteout name " + quote(c) + " used as a directory (whiteout names"
                            + " may not contain \"/\")");
                }
                Path next = cur.resolve(c);
                BasicFileAttributes a = lstat(next);
                if (a == null) {
                    if (!create) {
                        return null;
                    }
                    try {
                        Files.createDirectory(next);
                        Files.setAttribute(next, "unix:mode", 0755);
                    } catch (IOException x) {
                        throw fsFailure(next, "create parent directory", x);
                    }
                    cur = next;
                    depth++;
                } else if (a.isDirectory()) {
                    cur = next;
                    depth++;
                } else if (a.isSymbolicLink()) {
                    if (++hops > MAX_SYMLINK_HOPS) {
                        throw reject(entry, "more than " + MAX_SYMLINK_HOPS + " symlinks on the path");
                    }
                    String target;
                    try {
                        target = Files.readSymbolicLink(next).toString();
                    } catch (IOException x) {
                        throw fsFailure(next, "read symlink", x);
                    }
                    if (target.startsWith("/")) {
                        cur = root;
                        depth = 0;
                    }
                    String[] tc = target.split("/", -1);
                    for (int i = tc.length - 1; i >= 0; i--) {
                        todo.addFirst(tc[i]);
                    }
                } else {
                    throw reject(entry, "parent " + quote(root.relativize(next).toString())
                            + " is not a directory");
                }
            }
            return cur;
        }

        /** Something that creates a name, failing with FileAlreadyExistsException when the name is taken. */
        private interface Creation {
            void run() throws IOException;
        }

        /**
         * Runs {@code creation} for {@code path}; if the name is taken, replaces what is there and runs it
         * again. Trying first saves an lstat per entry, since a layer rarely replaces its own entries; the
         * kernel's EEXIST is as good a check as the lstat was, and a symlink at {@code path} is never followed
         * (mkdir, symlink, link and O_CREAT|O_EXCL all refuse an existing name, dangling symlinks included).
         */
        private void create(Path path, String action, Creation creation) throws BerthException {
            try {
                creation.run();
                return;
            } catch (FileAlreadyExistsException taken) {
                clearFor(path, false);
            } catch (IOException x) {
                throw fsFailure(path, action, x);
            }
            try {
                creation.run();
            } catch (IOException x) {
                throw fsFailure(path, action, x);
            }
        }

        /** Creates the directory {@code path}, keeping a directory already there and replacing anything else. */
        private void makeDirectory(Path path) throws BerthException {
            try {
                Files.createDirectory(path);
                return;
            } catch (FileAlreadyExistsException taken) {
                if (clearFor(path, true)) {
                    return;
                }
            } catch (IOException x) {
                throw fsFailure(path, "create directory", x);
            }
            try {
                Files.createDirectory(path);
            } catch (IOException x) {
                throw fsFailure(path, "create directory", x);
            }
        }

        /**
         * Makes room at {@code path} (never following it): returns true when a directory is there and a
         * directory is wanted (it is kept), else removes whatever is there and returns false. The only place
         * an unpack removes anything, so the one that must forget {@link #resolvedDirs}.
         */
        private boolean clearFor(Path path, boolean wantDirectory) throws BerthException {
            BasicFileAttributes a = lstat(path);
            if (a == null) {
                return false;
            }
            if (a.isDirectory() && wantDirectory) {
                return true;
            }
            // Whatever is removed may be, or lie on, the path of a cached directory (a directory replaced by a
            // symlink, say): forget them all before anything changes. Replacements are rare in a layer.
            forgetResolved();
            try {
                if (a.isDirectory()) {
                    ScratchFolder.delete(path);
                    dirs.keySet().removeIf(p -> p.startsWith(path));
                } else {
                    Files.delete(path);
                }
                whiteoutNodes.remove(path);
            } catch (IOException x) {
                throw fsFailure(path, "replace", x);
            }
            return false;
        }

        /**
         * Owner, mode, xattrs and times of a file or node just created at {@code path} (never a symlink).
         * The JDK opens a path to change its mode or times without following links, and opening a fifo
         * blocks (and opening a device may have side effects), so the mode is set by path (chmod(2)
         * follows only a symlink, and this path is not one) and a node's times by {@code touch -h}.
         */
        private void finishNode(Path path, TarArchiveEntry e, boolean node) throws BerthException {
            int mode = setOwner(path, e);
            int wanted = e.getMode() & 07777;
            // chown clears setuid/setgid, so the mode comes after it; unix:mode keeps all 12 bits. Skipped when
            // the file already has exactly that mode (it was created with its permission bits).
            if (mode < 0 || (mode & 07777) != wanted) {
                try {
                    Files.setAttribute(path, "unix:mode", wanted);
                } catch (IOException x) {
                    throw fsFailure(path, "chmod", x);
                }
            }
            // chown also clears security.capability, so xattrs come after it too.
            applyXattrs(path, e, !node);
            if (node) {
                try {
                    tools.touch(path, e.getLastModifiedTime());
                } catch (IOException x) {
                    throw fsFailure(path, "set times", x);
                }
            } else {
                setTimesOfMade(path, e);
            }
        }

        /**
         * Gives {@code path} (never followed) the entry's owner and group, and returns its st_mode, or -1 when
         * a chown ran (it may have cleared setuid/setgid bits, so the mode is no longer known). The JDK changes
         * uid and gid with one lchown each; one lstat first skips both in the usual case, where whoever
         * created the file already has the entry's ids, and tells finishNode whether a chmod is needed.
         */
        private int setOwner(Path path, TarArchiveEntry e) throws BerthException {
            long uid = e.getLongUserId();
            long gid = e.getLongGroupId();
            if (uid < 0 || uid > 0xfffffffeL || gid < 0 || gid > 0xfffffffeL) {
                throw reject(current, "uid " + uid + " or gid " + gid + " is out of range");
            }
            Map<String, Object> now;
            try {
                now = Files.readAttributes(path, "unix:mode,uid,gid", NOFOLLOW);
            } catch (IOException x) {
                throw fsFailure(path, "read owner of", x);
            }
            boolean changed = false;
            try {
                if ((Integer) now.get("uid") != (int) uid) {
                    Files.setAttribute(path, "unix:uid", (int) uid, NOFOLLOW);
                    changed = true;
                }
                if ((Integer) now.get("gid") != (int) gid) {
                    Files.setAttribute(path, "unix:gid", (int) gid, NOFOLLOW);
                    changed = true;
                }
            } catch (IOException x) {
                throw fsFailure(path, "chown", x);
            }
            return changed ? -1 : (Integer) now.get("mode");
        }

        /** Times of a symlink, never followed. */
        private void setTimes(Path path, TarArchiveEntry e) throws BerthException {
            setTimes(path, e, NOFOLLOW_VIEW);
        }

        /**
         * Times of the regular file this entry has just made at {@code path}, through a view that follows links.
         * The JDK's no-follow view first lstats the path to see whether it is a symlink: one system call more per
         * file. This path is known not to be one: it was made here with O_EXCL and O_NOFOLLOW, by the only writer
         * of the tree. finishDirectories does the same for a directory it has just checked.
         */
        private void setTimesOfMade(Path path, TarArchiveEntry e) throws BerthException {
            setTimes(path, e, FOLLOW_VIEW);
        }

        private void setTimes(Path path, TarArchiveEntry e, LinkOption[] view) throws BerthException {
            FileTime mtime = e.getLastModifiedTime();
            FileTime atime = e.getLastAccessTime() != null ? e.getLastAccessTime() : mtime;
            try {
                Files.getFileAttributeView(path, BasicFileAttributeView.class, view).setTimes(mtime, atime, null);
            } catch (IOException x) {
                throw fsFailure(path, "set times", x);
            }
        }

        private DirMeta dirMeta(TarArchiveEntry e) {
            FileTime mtime = e.getLastModifiedTime();
            return new DirMeta(e.getMode() & 07777, mtime,
                    e.getLastAccessTime() != null ? e.getLastAccessTime() : mtime);
        }

        /** Applies directory modes and times, deepest first, after all content is written. */
        void finishDirectories() throws BerthException {
            List<Map.Entry<Path, DirMeta>> list = new ArrayList<>(dirs.entrySet());
            list.sort(Comparator.comparingInt((Map.Entry<Path, DirMeta> en) -> en.getKey().getNameCount())
                    .reversed());
            current = "(directory metadata)";
            for (Map.Entry<Path, DirMeta> en : list) {
                Path p = en.getKey();
                int mode;
                try {
                    mode = (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW);
                } catch (IOException x) {
                    continue; // gone
                }
                if ((mode & S_IFMT) != S_IFDIR) {
                    continue;
                }
                DirMeta m = en.getValue();
                try {
                    if ((mode & 07777) != m.mode()) {
                        Files.setAttribute(p, "unix:mode", m.mode()); // a directory, checked just above
                    }
                    // A directory, checked just above: its times need no lstat more (see setTimesOfMade).
                    Files.getFileAttributeView(p, BasicFileAttributeView.class, FOLLOW_VIEW)
                            .setTimes(m.mtime(), m.atime(), null);
                } catch (IOException x) {
                    throw fsFailure(p, "set directory mode and times", x);
                }
            }
        }

        /**
         * Applies SCHILY.xattr.* (and LIBARCHIVE.xattr.*) PAX records. {@code openable} says the path is a
         * regular file or directory, which the JDK may open to set user.* xattrs; anything else (symlinks,
         * devices, fifos) goes through setfattr, which never opens it.
         */
        private void applyXattrs(Path path, TarArchiveEntry e, boolean openable) throws BerthException {
            Map<String, String> pax = e.getExtraPaxHeaders();
            if (pax.isEmpty()) {
                return;
            }
            for (Map.Entry<String, String> h : pax.entrySet()) {
                String key = h.getKey();
                String name;
                byte[] value;
                if (key.startsWith(SCHILY_XATTR)) {
                    name = key.substring(SCHILY_XATTR.length());
                    byte[] raw = rawXattrs.get(key);
                    value = raw != null ? raw : h.getValue().getBytes(StandardCharsets.UTF_8);
                } else if (key.startsWith("LIBARCHIVE.xattr.")) {
                    try {
                        name = URLDecoder.decode(key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
                        value = Base64.getDecoder().decode(h.getValue().strip());
                    } catch (IllegalArgumentException x) {
                        skipXattr(key, "undecodable");
                        continue;
                    }
                } else {
                    continue;
                }
                if (name.isEmpty() || name.indexOf('.') <= 0 || name.indexOf('\0') >= 0 || name.length() > 255) {
                    skipXattr(name, "malformed name");
                } else if (name.startsWith("trusted.overlay.")) {
                    skipXattr(name, "reserved for overlayfs");
                } else if (name.startsWith("user.") && openable) {
                    try {
                        Files.getFileAttributeView(path, UserDefinedFileAttributeView.class, NOFOLLOW)
                                .write(name.substring("user.".length()), ByteBuffer.wrap(value));
                    } catch (IOException | UnsupportedOperationException x) {
                        skipXattr(name, x.toString());
                    }
                } else {
                    try {
                        tools.setXattr(path, name, value);
                    } catch (IOException x) {
                        skipXattr(name, x.getMessage());
                    }
                }
            }
        }

        private void skipXattr(String name, String why) {
            xattrsSkipped++;
            warn("entry " + quote(current) + ": xattr " + quote(name) + " skipped: " + why);
        }

        private void warn(String message) {
            if (warnings.size() < MAX_WARNINGS) {
                warnings.add(message);
            }
        }
    }

    static BasicFileAttributes lstat(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        } catch (IOException e) {
            return null;
        }
    }
}
