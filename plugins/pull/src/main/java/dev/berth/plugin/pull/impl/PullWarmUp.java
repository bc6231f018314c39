package dev.berth.plugin.pull.impl;

import dev.berth.api.BerthException;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.plugin.PluginProperties;
import dev.berth.api.plugin.ScratchFolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The pull stage's warm-up ({@link PluginProperties#WARM_UP}): one pull's worth of registry traffic against a
 * {@link LoopbackRegistry} of its own, so that the daemon's first real pull does not pay for the JDK HTTP
 * client's first exchange (about 0.1 s here, for any registry; docs/benchmarks.md).
 *
 * <p>It checks the login ({@code GET /v2/}), fetches a manifest, and fetches a blob into a content store in a
 * folder of its own under the run folder, which it deletes; it commits nothing, so nothing is fsynced or kept.
 * No event is appended and nothing outside that folder changes. Not thread-safe: the daemon runs it once.
 */
@Component(service = Runnable.class, property = PluginProperties.WARM_UP + "=pull")
public final class PullWarmUp implements Runnable {
    private static final String REPOSITORY = "warm-up";
    private static final String SCRATCH_PREFIX = ".pull-warm-up-";
    /** A quarter MiB: a 4 MiB blob warmed nothing more that showed, and cost about 3 MiB of idle RSS. */
    private static final int BLOB_BYTES = 256 << 10;

    private final RegistryClient.Options options;
    private final Path scratchParent;

    @Activate
    public PullWarmUp(BundleContext context) throws BerthException {
        this(RegistryClient.Options.fromProperties(context::getProperty),
                PluginProperties.runFolder(context::getProperty));
    }

    PullWarmUp(RegistryClient.Options options, Path scratchParent) {
        this.options = options;
        this.scratchParent = scratchParent;
    }

    @Override
    public void run() {
        try {
            warmUp();
        } catch (BerthException | IOException e) {
            // A warm-up that fails warms less; the first pull reports its own trouble.
        }
    }

    /** Does the warm-up; returns how many requests the loopback registry answered. */
    int warmUp() throws BerthException, IOException {
        byte[] blob = new byte[BLOB_BYTES];
        for (int i = 0; i < blob.length; i++) {
            blob[i] = (byte) (i * 31 + (i >>> 8));
        }
        Descriptor layer = new Descriptor(MediaTypes.OCI_LAYER_GZIP,
                ContentStore.digestOf(RegistryClient.SHA256_EXAMPLE, blob), blob.length);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{"
                + "\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + layer.digest() + "\",\"size\":"
                + blob.length + "},\"layers\":[{\"mediaType\":\"" + layer.mediaType() + "\",\"digest\":\""
                + layer.digest() + "\",\"size\":" + blob.length + "}]}").getBytes(StandardCharsets.UTF_8);
        Map<String, LoopbackRegistry.Answer> answers = Map.of(
                "/v2/", new LoopbackRegistry.Answer("application/json", "{}".getBytes(StandardCharsets.UTF_8)),
                "/v2/" + REPOSITORY + "/manifests/latest", new LoopbackRegistry.Answer(MediaTypes.OCI_MANIFEST, manifest),
                "/v2/" + REPOSITORY + "/blobs/" + layer.digest(), new LoopbackRegistry.Answer("application/octet-stream", blob));
        Path scratch = ScratchFolder.fresh(scratchParent, SCRATCH_PREFIX);
        try (LoopbackRegistry registry = LoopbackRegistry.start(answers)) {
            String address = registry.address();
            RegistryClient client = new RegistryClient(address::equals, Credentials.none(), options);
            client.checkLogin(address);
            client.fetchManifest(address, REPOSITORY, "latest", null);
            try (ContentStore.Writer writer = new ContentStore(scratch).writer(layer)) {
                client.fetchBlob(address, REPOSITORY, layer, writer, size -> { });
                writer.abort();
            }
            return registry.served();
        } finally {
            ScratchFolder.delete(scratch);
        }
    }
}
