package dev.berth.plugin.pull.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.BlobFetched;
import dev.berth.api.events.BlobRejected;
import dev.berth.api.events.ManifestResolved;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.Platform;
import dev.berth.api.plugin.PluginProperties;
import dev.berth.api.stage.PullObserver;
import dev.berth.api.stage.PullRequest;
import dev.berth.api.stage.PullStage;
import dev.berth.api.stage.PulledImage;
import dev.berth.api.stage.StageProgress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The built-in pull stage: an OCI Distribution client ({@link Puller}) writing into the content store
 * under {@code <root>/content}, recording {@code manifest.resolved}, {@code blob.fetched} and
 * {@code blob.rejected} in the log. The framework property {@value RegistryClient.Options#READ_TIMEOUT_PROPERTY}
 * sets how long a registry may stall before a try is retried (30 s unless set). Thread-safe: each pull has its own client and listener.
 */
@Component(service = PullStage.class, property = {
    PluginProperties.STAGE + "=" + PullStage.STAGE,
    PluginProperties.KIND + "=stage",
    PluginProperties.ID + "=registry"})
public final class RegistryPullStage implements PullStage {
    /** How many blobs one pull (or push) moves at once. */
    static final int CONCURRENT_BLOBS = 3;

    private final EventLog log;
    private final ContentStore store;
    private final Path credentials;
    private final RegistryClient.Options options;
    private final ObjectMapper json = new ObjectMapper();

    @Activate
    public RegistryPullStage(BundleContext context, @Reference EventLog log) throws BerthException {
        Path rootDir = PluginProperties.stateRoot(context::getProperty);
        this.log = log;
        this.store = new ContentStore(rootDir);
        this.credentials = Credentials.file(rootDir);
        this.options = RegistryClient.Options.fromProperties(context::getProperty);
    }

    @Override
    public PulledImage pull(PullRequest request, StageProgress progress) throws BerthException {
        return pull(request, progress, PullObserver.NONE);
    }

    /** Pulls, telling {@code observer} the image once its config is stored and each layer blob as it downloads. */
    @Override
    public PulledImage pull(PullRequest request, StageProgress progress, PullObserver observer)
            throws BerthException {
        ImageReference reference = request.reference();
        RegistryClient client = new RegistryClient(request.insecureRegistries()::contains,
                Credentials.load(credentials), options);
        Recorder recorder = new Recorder(reference.registry(), progress, observer);
        PullResult result;
        try {
            result = new Puller(client, store, CONCURRENT_BLOBS).pull(reference, request.platform(), recorder);
        } finally {
            recorder.awaitDurable();
        }
        return new PulledImage(reference, result.manifestDigest(), result.manifestMediaType(), null,
                result.platform(), result.config(), result.layers(), diffIds(reference, result.config()),
                result.bytesFetched());
    }

    /** Checks the login against the registry, then stores it in {@code <root>/auth/config.json} (mode 0600). */
    @Override
    public void login(String registry, String username, String password, java.util.Set<String> insecure)
            throws BerthException {
        RegistryClient client = new RegistryClient(insecure::contains,
                Credentials.of(registry, new Credentials.Login(username, password)), options);
        client.checkLogin(registry);
        Credentials.store(credentials, registry, username, password);
    }

    private List<Digest> diffIds(ImageReference reference, Descriptor configBlob) throws BerthException {
        byte[] config = store.readSmall(configBlob.digest());
        List<Digest> diffIds = new ArrayList<>();
        try {
            for (JsonNode id : json.readTree(config).path("rootfs").path("diff_ids")) {
                diffIds.add(Digest.parse(id.asText()));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INVALID, "pull " + reference + ": config "
                    + configBlob.digest() + ": rootfs.diff_ids: " + e.getMessage(), e);
        }
        return diffIds;
    }

    /** Turns the puller's callbacks into events and progress updates; called from fetch threads. */
    private final class Recorder implements PullListener {
        private final String registry;
        private final StageProgress progress;
        private final EventAppender events = new EventAppender(log, "pull");
        private final ProgressThrottle bytes;
        private final PullObserver observer;

        Recorder(String registry, StageProgress progress, PullObserver observer) {
            this.registry = registry;
            this.progress = progress;
            this.bytes = new ProgressThrottle(progress);
            this.observer = observer;
        }

        @Override
        public void configStored(ImageReference reference, Digest manifestDigest, String mediaType,
                Descriptor config, List<Descriptor> layers, Platform platform) {
            if (observer == PullObserver.NONE) {
                return;
            }
            try {
                observer.resolved(new PulledImage(reference, manifestDigest, mediaType, null, platform, config,
                        layers, diffIds(reference, config), 0));
            } catch (BerthException | IllegalArgumentException e) {
                // The pull itself reports a bad config when it ends; the observer then learns nothing early.
            }
        }

        @Override
        public void blobWriting(Descriptor blob, Path file) {
            observer.blobWriting(blob, file);
        }

        @Override
        public void blobFailed(Descriptor blob, String reason) {
            observer.blobFailed(blob, reason);
        }

        @Override
        public void manifestResolved(ImageReference reference, Digest digest, String mediaType, Platform platform) {
            append(reference.toString(), new ManifestResolved(reference.toString(), digest.toString(), mediaType,
                    platform == null ? "" : platform.toString(), null));
        }

        @Override
        public void blobStarted(Descriptor blob, long resumeFrom) {
            progress.update(blob.digest().shortHex(), resumeFrom > 0 ? "resuming" : "downloading", resumeFrom,
                    blob.size());
        }

        @Override
        public void blobProgress(Descriptor blob, long bytes, long total) {
            this.bytes.update(blob.digest(), "downloading", bytes, total);
            observer.blobProgress(blob, bytes);
        }

        @Override
        public void blobFetched(Descriptor blob, boolean fromCache, long bytes, long millis) {
            progress.update(blob.digest().shortHex(), fromCache ? "cached" : "verified", blob.size(), blob.size());
            // The observer hears "stored" only once blob.fetched is durable, so that whatever it starts from the
            // blob (layer.expanded) comes after it in the log.
            events.append(blob.digest().toString(), new BlobFetched(blob.digest().toString(), blob.mediaType(),
                    blob.size(), fromCache ? "cache" : "network", registry, millis)).whenComplete((record, failure) -> {
                        if (failure != null) {
                            observer.blobFailed(blob, "record blob.fetched: " + failure.getMessage());
                        } else {
                            try {
                                observer.blobStored(blob, store.path(blob.digest()));
                            } catch (BerthException e) {
                                observer.blobFailed(blob, e.getMessage());
                            }
                        }
                    });
        }

        @Override
        public void blobRejected(Descriptor blob, String reason) {
            progress.update(blob.digest().shortHex(), "rejected", 0, blob.size());
            append(blob.digest().toString(), new BlobRejected(blob.digest().toString(), registry, reason));
            observer.blobRejected(blob, reason);
        }

        private void append(String subject, Record payload) {
            events.append(subject, payload);
        }

        /** Waits until every fact recorded so far is durable, so the stage's answer never precedes them. */
        void awaitDurable() throws BerthException {
            events.awaitDurable();
        }
    }
}
