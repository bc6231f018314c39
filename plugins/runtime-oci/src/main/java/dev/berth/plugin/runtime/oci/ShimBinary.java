package dev.berth.plugin.runtime.oci;

import dev.berth.api.plugin.BundledExecutable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Puts the {@code berth-shim} monitor carried in this package on disk as
 * {@code <stateRoot>/runtimes/shim/berth-shim-<first 12 hex of its sha256>} (see {@link BundledExecutable}):
 * shims of an older release keep running while a newer one is installed. Stateless; safe to call
 * concurrently.
 */
final class ShimBinary {
    static final String RESOURCE = "berth-shim";

    private ShimBinary() {
    }

    /** The extracted monitor binary under {@code stateRoot}. */
    static Path extract(Path stateRoot) throws IOException {
        return BundledExecutable.extract(ShimBinary.class, RESOURCE, stateRoot.resolve("runtimes").resolve("shim"));
    }
}
