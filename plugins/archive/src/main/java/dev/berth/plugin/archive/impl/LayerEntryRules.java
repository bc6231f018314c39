package dev.berth.plugin.archive.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The path-safety rules for the entries of one layer tar, checked entry by entry in archive order before
 * the layer is stored. They are the expand stage's rules for names (that bundle's {@code LayerUnpacker}
 * applies them while unpacking and is private to it, so the checks live once here for this bundle), made
 * stricter where a layer Berth writes itself has no excuse:
 * <ul>
 *   <li>Names are relative: a leading {@code /} is refused; empty and {@code .} components are dropped and
 *       {@code ..} is applied, refused when it would climb above the root. No NUL anywhere.</li>
 *   <li>Types: regular file, directory, symlink, hard link, character or block device, fifo. The root
 *       ({@code ./}) may only be a directory.</li>
 *   <li>A hard link's target follows the same name rules and must be a non-directory entry this layer
 *       has already had (not a whiteout, not the root).</li>
 *   <li>A symlink's target is not confined (it is resolved inside the container) but must be non-empty.</li>
 *   <li>OCI whiteouts {@code .wh.NAME} and {@code .wh..wh..opq} are allowed; a whiteout naming nothing,
 *       {@code .} or {@code ..}, or used as a directory, is refused.</li>
 * </ul>
 * Every refusal is INVALID and names the layer and the entry. Not thread-safe: one instance per layer.
 */
final class LayerEntryRules {
    private static final String WHITEOUT = ".wh.";
    private static final String WHITEOUT_META = ".wh..wh.";

    private final String where;
    /** Cleaned names of the non-directory entries seen so far, which hard links may point at. */
    private final Set<String> linkable = new HashSet<>();

    /** Rules for one layer; {@code where} starts every message ("commit: layer /tmp/x.tar"). */
    LayerEntryRules(String where) {
        this.where = where;
    }

    /** Checks the next entry of the layer. */
    void check(TarReader.Entry entry) throws BerthException {
        String name = entry.name();
        List<String> parts = clean(name, "name", name);
        boolean directory = entry.type() == TarReader.Type.DIRECTORY;
        if (!allowedType(entry)) {
            throw refuse(name, "entry type '" + printable(entry.typeFlag()) + "' is not allowed in a layer (file, "
                    + "directory, symlink, hard link, character or block device, fifo)");
        }
        if (parts.isEmpty()) {
            if (!directory) {
                throw refuse(name, "only a directory may name the root");
            }
            return;
        }
        for (String parent : parts.subList(0, parts.size() - 1)) {
            if (parent.startsWith(WHITEOUT)) {
                throw refuse(name, "whiteout name " + quote(parent) + " used as a directory");
            }
        }
        String base = parts.get(parts.size() - 1);
        String path = String.join("/", parts);
        if (base.startsWith(WHITEOUT)) {
            checkWhiteout(name, base);
            linkable.remove(path);
            return;
        }
        switch (entry.type()) {
            case SYMLINK -> {
                if (entry.linkName().isEmpty()) {
                    throw refuse(name, "symlink has an empty target");
                }
                if (entry.linkName().indexOf('\0') >= 0) {
                    throw refuse(name, "symlink target contains a NUL character");
                }
            }
            case HARDLINK -> checkHardlink(name, entry.linkName());
            default -> { }
        }
        if (directory) {
            linkable.remove(path);
        } else {
            linkable.add(path);
        }
    }

    private static boolean allowedType(TarReader.Entry entry) {
        return entry.type() != TarReader.Type.OTHER
                || entry.typeFlag() == '3' || entry.typeFlag() == '4' || entry.typeFlag() == '6';
    }

    private void checkHardlink(String name, String link) throws BerthException {
        List<String> target = clean(link, "hard link target " + quote(link), name);
        if (target.isEmpty()) {
            throw refuse(name, "hard link target " + quote(link) + " is the root");
        }
        if (!linkable.contains(String.join("/", target))) {
            throw refuse(name, "hard link target " + quote(link) + " is not a file this layer has before it");
        }
    }

    private void checkWhiteout(String name, String base) throws BerthException {
        if (base.startsWith(WHITEOUT_META)) {
            return; // .wh..wh..opq, or aufs metadata the expand stage skips
        }
        String hidden = base.substring(WHITEOUT.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw refuse(name, "whiteout must name a file (not nothing, \".\" or \"..\")");
        }
    }

    /** The components of {@code value} below the root, refusing what breaks the name rules. */
    private List<String> clean(String value, String what, String entry) throws BerthException {
        if (value.isEmpty()) {
            throw refuse(entry, what + " is empty");
        }
        if (value.indexOf('\0') >= 0) {
            throw refuse(entry, what + " contains a NUL character");
        }
        if (value.startsWith("/")) {
            throw refuse(entry, what + " is absolute; layer names must be relative");
        }
        List<String> parts = new ArrayList<>();
        for (String part : value.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw refuse(entry, what + " escapes the root through \"..\"");
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(part);
            }
        }
        return parts;
    }

    private BerthException refuse(String entry, String rule) {
        return new BerthException(ErrorKind.INVALID, where + ": entry " + quote(entry) + ": " + rule);
    }

    private static String printable(char flag) {
        return flag >= 0x20 && flag < 0x7f ? String.valueOf(flag) : String.format("\\x%02x", (int) flag);
    }

    /** {@code s} in double quotes, with quotes, backslashes, newlines and NULs escaped, cut at 300 chars. */
    static String quote(String s) {
        String shown = s.length() > 300 ? s.substring(0, 300) + "..." : s;
        return "\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\0", "\\0")
                + "\"";
    }
}
