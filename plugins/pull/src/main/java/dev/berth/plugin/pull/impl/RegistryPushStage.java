package dev.berth.plugin.pull.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.BlobPushed;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.ImageReference;
import dev.berth.api.plugin.PluginProperties;
import dev.berth.api.stage.PushRequest;
import dev.berth.api.stage.PushStage;
import dev.berth.api.stage.PushedImage;
import dev.berth.api.stage.StageProgress;
import java.nio.file.Path;
import java.util.Objects;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The built-in push stage, the other half of {@link RegistryPullStage}: a {@link Pusher} reading from the
 * content store under {@code <root>/content} with the logins of {@code berth login}, recording a
 * {@code blob.pushed} event per blob, three blobs at a time like pull. Blobs up to the chunk size (the
 * framework property {@value #CHUNK_BYTES_PROPERTY}, 16 MiB unless set) go in one request, larger ones in
 * chunks of that size. Thread-safe: each push has its own client and recorder.
 */
@Component(service = PushStage.class, property = {
    PluginProperties.STAGE + "=" + PushStage.STAGE,
    PluginProperties.KIND + "=stage",
    PluginProperties.ID + "=registry"})
public final class RegistryPushStage implements PushStage {
    /** Framework property: the upload chunk size in bytes, at least 1; unset or blank means 16 MiB. */
    public static final String CHUNK_BYTES_PROPERTY = "berth.push.chunk.bytes";

    private final EventLog log;
    private final ContentStore store;
    private final Path credentials;
    private final long chunkBytes;
    private final RegistryClient.Options options;

    @Activate
    public RegistryPushStage(BundleContext context, @Reference EventLog log) throws BerthException {
        this(PluginProperties.stateRoot(context::getProperty), log, chunkBytes(context.getProperty(CHUNK_BYTES_PROPERTY)),
                RegistryClient.Options.fromProperties(context::getProperty));
    }

    /**
     * A stage over the state root {@code root}, for tests and embedding.
     *
     * @param chunkBytes the largest blob sent in one request, and the chunk size of larger ones
     */
    RegistryPushStage(Path root, EventLog log, long chunkBytes, RegistryClient.Options options) throws BerthException {
        this.log = Objects.requireNonNull(log, "log");
        this.store = new ContentStore(root);
        this.credentials = Credentials.file(root);
        this.chunkBytes = chunkBytes;
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The chunk size {@code value} asks for; the default when unset; refused when not a positive number. */
    static long chunkBytes(String value) throws BerthException {
        if (value == null || value.isBlank()) {
            return UploadClient.DEFAULT_CHUNK_BYTES;
        }
        try {
            long bytes = Long.parseLong(value.trim());
            if (bytes >= 1) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BerthException(ErrorKind.INVALID, CHUNK_BYTES_PROPERTY + " must be a positive number of bytes, got \""
                + value + "\"");
    }

    @Override
    public PushedImage push(PushRequest request, StageProgress progress) throws BerthException {
        UploadClient uploads = new UploadClient(request.insecureRegistries()::contains, Credentials.load(credentials),
                options, chunkBytes);
        Recorder recorder = new Recorder(progress == null ? StageProgress.NONE : progress);
        PushedImage pushed;
        try {
            pushed = new Pusher(uploads, store, RegistryPullStage.CONCURRENT_BLOBS).push(request, recorder);
        } catch (BerthException e) {
            try {
                recorder.events.awaitDurable();
            } catch (BerthException notRecorded) {
                e.addSuppressed(notRecorded);
            }
            throw e;
        }
        recorder.events.awaitDurable();
        return pushed;
    }

    /** Turns the pusher's callbacks into events and progress lines; called from upload threads. */
    private final class Recorder implements PushListener {
        private final StageProgress progress;
        private final ProgressThrottle bytes;
        private final EventAppender events = new EventAppender(log, "push");

        Recorder(StageProgress progress) {
            this.progress = progress;
            this.bytes = new ProgressThrottle(progress);
        }

        @Override
        public void blobStarted(Descriptor blob) {
            progress.update(blob.digest().shortHex(), "preparing", 0, blob.size());
        }

        @Override
        public void blobProgress(Descriptor blob, long sent, long total) {
            bytes.update(blob.digest(), "pushing", sent, total);
        }

        @Override
        public void blobPushed(ImageReference target, Descriptor blob, UploadClient.BlobResult result, long millis) {
            String status = switch (result.how()) {
                case UPLOADED -> "pushed";
                case EXISTS -> "exists";
                case MOUNTED -> "mounted from " + result.from();
            };
            progress.update(blob.digest().shortHex(), status, blob.size(), blob.size());
            String from = result.from() == null ? null : target.registry() + "/" + result.from();
            events.append(blob.digest().toString(), new BlobPushed(blob.digest().toString(), blob.mediaType(),
                    blob.size(), target.name(), result.how().label(), from, millis));
        }
    }
}
