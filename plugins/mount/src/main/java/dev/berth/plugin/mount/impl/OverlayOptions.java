package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Builds the {@code -o} option string of an overlay mount; stateless and thread-safe.
 *
 * <p>mount(2) copies its options into one page, so the string must stay below the page size with its
 * terminating zero byte; a longer one is refused with an error naming the layer count rather than cut.
 * Paths holding {@code , : \ "} are refused too: mount(8) and overlayfs would split or unescape them.
 */
final class OverlayOptions {
    /** The longest option string mount(2) takes: one 4096-byte page less the terminating zero byte. */
    static final int MAX_BYTES = 4095;
    private static final String SPECIAL = ",:\\\"";
    private static final String VOLATILE = ",volatile";

    private OverlayOptions() {
    }

    /**
     * {@code lowerdir=TOP:...:BOTTOM,upperdir=U,workdir=W} for layers given bottom first. {@code action}
     * starts error messages; all rejections are {@link ErrorKind#INVALID}.
     */
    static String of(String action, List<Path> layersBottomFirst, Path upper, Path work) throws BerthException {
        return of(action, layersBottomFirst, upper, work, false);
    }

    /**
     * The same, with {@code volatile} last when {@code volatileUpper}: the overlay then never flushes its upper
     * filesystem, not at its unmount either (Linux 5.10 and later; older kernels refuse the option).
     */
    static String of(String action, List<Path> layersBottomFirst, Path upper, Path work, boolean volatileUpper)
            throws BerthException {
        List<String> lower = new ArrayList<>(layersBottomFirst.size());
        for (Path layer : layersBottomFirst) {
            lower.add(checked(action, "layer", layer));
        }
        Collections.reverse(lower);
        String options = "lowerdir=" + String.join(":", lower) + ",upperdir=" + checked(action, "upper dir", upper)
                + ",workdir=" + checked(action, "work dir", work) + (volatileUpper ? VOLATILE : "");
        int bytes = options.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new BerthException(ErrorKind.INVALID, action + ": an overlay of " + layersBottomFirst.size()
                    + " layers needs mount options of " + bytes + " bytes, more than the kernel takes ("
                    + MAX_BYTES + "); use fewer layers, a shorter state root, or berth.snapshotter=copy");
        }
        return options;
    }

    private static String checked(String action, String what, Path path) throws BerthException {
        String text = path.toString();
        for (char c : SPECIAL.toCharArray()) {
            if (text.indexOf(c) >= 0) {
                throw new BerthException(ErrorKind.INVALID, action + ": " + what + " \"" + text + "\" contains '"
                        + c + "', which overlay mount options cannot carry");
            }
        }
        return text;
    }
}
