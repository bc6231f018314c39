package dev.berth.api.stage;

import dev.berth.api.image.Descriptor;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What a streaming pull stage tells the engine while a pull is under way, so that layers can be expanded
 * while their blobs still download (see {@link PullStage#pull(PullRequest, StageProgress, PullObserver)}).
 * The engine implements it; a pull stage calls it from any of its threads. Thread-safe; every method returns
 * at once and never throws.
 *
 * <p>For each layer blob a stage reports, in this order: {@link #blobWriting} once it starts writing the blob
 * into a file, then one of {@link #blobStored}, {@link #blobRejected} or {@link #blobFailed}. A blob already in the store gets
 * {@link #blobStored} alone. A stage that says nothing about a blob leaves it to the end of the pull: the
 * engine then reads it from the store.
 */
@ProviderType
public interface PullObserver {
    /** Ignores everything: what a pull without a streaming consumer gets. */
    PullObserver NONE = new PullObserver() {
        @Override
        public void resolved(PulledImage image) {
        }

        @Override
        public void blobWriting(Descriptor blob, Path file) {
        }

        @Override
        public void blobProgress(Descriptor blob, long written) {
        }

        @Override
        public void blobStored(Descriptor blob, Path file) {
        }

        @Override
        public void blobRejected(Descriptor blob, String reason) {
        }

        @Override
        public void blobFailed(Descriptor blob, String reason) {
        }
    };

    /**
     * The manifest and the config are verified and stored, so layers and diff ids are known; the layers may
     * not be fetched yet ({@code bytesFetched} is 0). Called at most once, before any layer's
     * {@link #blobWriting}.
     */
    void resolved(PulledImage image);

    /**
     * The stage writes {@code blob} into {@code file}, from its first byte on (or on from what an earlier try
     * left there). The bytes in it are NOT verified yet: a reader must check the digest and size itself, and
     * may see the file truncated and written again when the registry could not resume.
     */
    void blobWriting(Descriptor blob, Path file);

    /** {@code written} bytes of {@code blob} are in its file; a hint for readers waiting for more. */
    void blobProgress(Descriptor blob, long written);

    /**
     * {@code blob} is verified (digest and size) and stored at {@code file} under its final name, and the
     * stage's record of it is durable.
     */
    void blobStored(Descriptor blob, Path file);

    /**
     * {@code blob} is refused for its content: its bytes do not match its digest or size, or break a limit.
     * A layer read from it is invalid, whatever a retry would bring.
     */
    void blobRejected(Descriptor blob, String reason);

    /** {@code blob} will not be stored by this pull for another {@code reason}: the registry, the network, the disk. */
    void blobFailed(Descriptor blob, String reason);
}
