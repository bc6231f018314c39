package dev.berth.api.stage;

import dev.berth.api.BerthException;
import dev.berth.api.image.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A layer blob that the pull stage may still be downloading, handed to the expand stage so that it can
 * unpack while the bytes arrive (see {@link ExpandStage#expand(ExpandRequest, GrowingBlob, StageProgress)}).
 * The engine implements it. Thread-safe.
 */
@ProviderType
public interface GrowingBlob {
    /** The blob: its digest and size. */
    Descriptor descriptor();

    /**
     * Opens the blob's bytes from the first one on, blocking until more arrive; the stream ends after
     * {@code descriptor().size()} bytes. The bytes are NOT verified: the reader must hash them and check
     * digest and size itself. Reading fails with an {@link IOException} naming the cause when the pull gives
     * the blob up (digest mismatch, download failed, pull failed).
     */
    InputStream open() throws IOException;

    /**
     * Waits until the pull stage has verified and stored the blob (and recorded it), and answers its path in
     * the content store.
     *
     * @throws BerthException when the pull gave the blob up, naming why (INVALID for a rejected blob)
     */
    Path awaitStored() throws BerthException;
}
